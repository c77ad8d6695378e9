from django.urls import path  # noqa: F401

app_name = "messaging"

urlpatterns: list = [
    # Mailbox: folders, reading, search (views/mailbox.py)
    # Compose: new message, reply, reply all, forward, drafts (views/compose.py)
    # Attachments, notifications, reports, suspensions (views/attachments.py, …)
]
