"""The workshop pages (blueprint ``workshops``): list and creation, the overview with
the phase steps, step 1 (own draft), pairing, step 2 (pair page), step 3 (proposals,
vision editor and aspect ledger), signing, the adopted vision and "Meine Aufgaben".

Routes live in ``views.py`` (which imports the step, plenary and signing modules so all
register on the one blueprint from ``blueprint.py``)."""
