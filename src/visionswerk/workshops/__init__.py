"""The 1-2-all method itself: workshops, drafts, pairs, proposals, the aspect ledger,
signing. No Flask, no Celery: services take the acting user as a parameter."""
