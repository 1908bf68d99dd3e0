"""Tenants (ILE regions and municipalities), accounts, memberships, roles, the policy."""
