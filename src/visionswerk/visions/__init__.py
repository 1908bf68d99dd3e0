"""Visions as versioned documents (issue 4): imported visions, building on a parent
vision (inherit, embed), parent changes (flags, notices, diff, re-base) and the
region overview. No Flask. See README.md."""
