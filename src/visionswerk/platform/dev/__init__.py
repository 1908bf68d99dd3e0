"""Development-only pages. Registered only when ``VISIONSWERK_ENV=development``."""
