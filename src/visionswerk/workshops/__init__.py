"""The 1-2-all method itself: workshops, drafts, pairs, proposals, the aspect ledger,
signing. No Flask, no Celery: services take the acting user as a parameter.

Importing the package registers the models and the policy rules (workshops/policy.py)
and the personal-data exporters/erasers (workshops/personal_data.py)."""

from visionswerk.workshops import models as models
