"""Background work of the case lifecycle (Celery; in-process when no broker is configured)."""

from celery import shared_task

from cases.services.scan import scan


@shared_task(name="cases.scan")
def scan_cases() -> str:
    """The deadline scan: reminders, supervision and escalation of overdue cases, auto-close of unrated ones."""
    return str(scan())


@shared_task(name="cases.refresh_open_deadlines")
def refresh_open_deadlines() -> int:
    """Recompute the deadlines of every case whose clock runs (after the calendar changed)."""
    from cases.deadlines import refresh_open

    return refresh_open()


@shared_task(name="cases.train_dispatch_model")
def train_dispatch_model() -> str:
    """Retrain the smart-dispatch suggestions on the history to date (a new version is put in use)."""
    from cases.services.smart_dispatch import suggestion_model_train
    from cases.smart.learning import NotEnoughHistory

    try:
        model = suggestion_model_train(trained_by="scheduled")
    except NotEnoughHistory as short:
        return f"not enough history ({short.args[0]} accepted cases)"
    return f"v{model.version}: {model.case_count} cases"
