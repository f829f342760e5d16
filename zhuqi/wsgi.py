import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    # The Chinese segmenter's dictionary and the dispatch model take about a second to load: load them
    # while the server starts, so the first dispatcher after a restart does not wait for them.
    from cases.smart.learning import warm_up

    warm_up()


threading.Thread(target=_warm_up, name="smart-dispatch-warm-up", daemon=True).start()
