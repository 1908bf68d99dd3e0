"""gunicorn reads this file when started in the checkout; the settings live in the
package (``visionswerk.platform.gunicorn_conf``) so the installed image has them too."""

from visionswerk.platform.gunicorn_conf import *  # noqa: F403
