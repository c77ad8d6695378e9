"""Downloading an attachment: only its message's sender and recipients (404 for anyone else)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.views.decorators.http import require_GET

from lien.messaging import attachments


@login_required
@require_GET
def download(request, code):
    attachment = attachments.access_attachment(request.user, code)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    # Always a download, never shown inline: the browser must not guess or render the content.
    response["Content-Disposition"] = attachments.content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response
