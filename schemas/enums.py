"""Closed vocabularies shared by the events."""

from enum import StrEnum


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    X = "x"
    TIKTOK = "tiktok"
    EMAIL = "email"
    WEB = "web"
    OPEN311 = "open311"
    CALL_CENTER = "call_center"
    MEDIA = "media"  # news and social-media monitoring


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    EMERGENCY = "emergency"


class Flag(StrEnum):
    POLITICAL = "political"
    SPAM = "spam"
    ABUSE = "abuse"
    NOT_A_COMPLAINT = "not_a_complaint"
    EMERGENCY = "emergency"
    NEGATIVE_NEWS = "negative_news"
    EXTERNAL = "external"
    CONTAINS_PII = "contains_pii"


class Disposition(StrEnum):
    """What the router decided to do with a case."""

    ASSIGNED = "assigned"  # an agency holds it and its clock runs
    TRIAGE = "triage"  # the center's operators decide
    NO_RESPONSE = "no_response"  # recorded, not answered (political, spam, abuse, thanks)
    EXTERNAL = "external"  # outside regency authority: redirected with a message


class ResponseKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    PROGRESS = "progress"
    WAITING_FOR_CITIZEN = "waiting_for_citizen"
    RESOLVED = "resolved"
    NOT_OURS = "not_ours"


class SlaTarget(StrEnum):
    RESPONSE = "response"
    RESOLUTION = "resolution"


class NotificationChannel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"  # a reply under the citizen's comment (Graph API)
    FACEBOOK = "facebook"  # a reply under the citizen's comment or visitor post (Graph API)
    X = "x"  # a reply post (X API v2)
    TIKTOK = "tiktok"  # a comment reply (TikTok API for Business)
