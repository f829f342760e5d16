"""The signed-in user's in-app notifications over HTTP (mounted at /api/v1/notifications). Each user reaches
only their own messages: anyone else's answers 404."""

import datetime as dt

from django.db.models import QuerySet
from ninja import Router, Schema
from ninja.pagination import paginate

from core import notifications
from core.schemas import DetailOut

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    link: str
    topic: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def resolve_unread(obj):
        return obj.read_at is None


class UnreadCountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


@router.get(
    "",
    response=list[NotificationOut],
    summary="Your in-app notifications, newest first",
    description="unread=true lists only those not yet read.",
)
@paginate
def list_notifications(request, unread: bool = False) -> QuerySet:
    return notifications.inbox(request.user, unread_only=unread)


@router.get("/unread-count", response=UnreadCountOut, summary="How many of your in-app notifications are unread")
def unread_count(request):
    return {"unread": notifications.unread_count(request.user)}


@router.post(
    "/read-all", response=MarkedOut, summary="Mark all your in-app notifications read; answers how many changed"
)
def read_all(request):
    return {"marked": notifications.mark_all_read(user=request.user)}


@router.post(
    "/{notification_id}/read",
    response={200: NotificationOut, 404: DetailOut},
    summary="Mark one of your notifications read (reading it again changes nothing)",
)
def read_one(request, notification_id: int):
    return notifications.mark_read(user=request.user, notification_id=notification_id)
