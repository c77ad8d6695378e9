from django.urls import path  # noqa: F401

from lien.messaging.views import (
    attachments,
    compose,
    mailbox,
    preferences,
    reports,
    rules,
    suspensions,
)

app_name = "messaging"

urlpatterns: list = [
    # Mailbox: folders, reading, search (views/mailbox.py)
    path("", mailbox.inbox, name="inbox"),
    path("envoyes/", mailbox.sent, name="sent"),
    path("brouillons/", mailbox.drafts, name="drafts"),
    path("archives/", mailbox.archive, name="archive"),
    path("corbeille/", mailbox.trash, name="trash"),
    path("corbeille/vider/", mailbox.empty_trash, name="empty-trash"),
    path("dossiers/", mailbox.folders, name="folders"),
    path("dossiers/<uuid:code>/", mailbox.folder, name="folder"),
    path("dossiers/<uuid:code>/renommer/", mailbox.rename_folder, name="rename-folder"),
    path("dossiers/<uuid:code>/supprimer/", mailbox.delete_folder, name="delete-folder"),
    path("messages/<uuid:code>/", mailbox.message, name="message"),
    path("messages/<uuid:code>/imprimer/", mailbox.print_message, name="print-message"),
    path("messages/<uuid:code>/non-lu/", mailbox.mark_unread, name="mark-unread"),
    path("messages/<uuid:code>/rappeler/", mailbox.recall, name="recall"),
    path("recherche/", mailbox.search, name="search"),
    # Compose: new message, reply, reply all, forward, drafts (views/compose.py)
    path("nouveau/", compose.compose, name="compose"),
    path("brouillons/<uuid:code>/", compose.edit_draft, name="edit-draft"),
    path("brouillons/<uuid:code>/supprimer/", compose.delete_draft, name="delete-draft"),
    path("messages/<uuid:code>/repondre/", compose.reply, name="reply"),
    path("messages/<uuid:code>/repondre-a-tous/", compose.reply_all, name="reply-all"),
    path("messages/<uuid:code>/transferer/", compose.forward, name="forward"),
    path("signature/", compose.signature, name="signature"),
    # Attachments, notifications, reports, suspensions (views/attachments.py, …)
    path("pieces-jointes/<uuid:code>/", attachments.download, name="attachment"),
    path("notifications/", preferences.notification_preferences, name="notification-preferences"),
    path("messages/<uuid:code>/signaler/", reports.report_message, name="report-message"),
    path("signalements/", reports.reports, name="reports"),
    path("signalements/<uuid:code>/", reports.report_detail, name="report"),
    path("signalements/<uuid:code>/verrouiller/", reports.lock_conversation, name="lock"),
    path("signalements/<uuid:code>/deverrouiller/", reports.unlock_conversation, name="unlock"),
    path("signalements/<uuid:code>/traiter/", reports.mark_handled, name="report-handled"),
    path("suspensions/", suspensions.suspensions, name="suspensions"),
    path("suspensions/lever/", suspensions.lift_suspension, name="lift-suspension"),
    path("regles/", rules.rules, name="rules"),
]
