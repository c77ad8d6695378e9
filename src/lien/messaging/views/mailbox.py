"""Reading messages: the folders, one message and its thread, printing, search, own folders."""

from functools import partial

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lien.core import fragments
from lien.core.templatetags.page_parts import account_nav_piece
from lien.messaging import mailbox, services
from lien.messaging.context_processors import own_folders
from lien.messaging.templatetags.mailbox_tags import messaging_nav_piece

PER_PAGE = 25
Box = mailbox.Box


# --- Folder listings ----------------------------------------------------------------------------


def _received_actions(box: str) -> list[tuple[str, str]]:
    actions = [
        (mailbox.MARK_READ, _("Marquer comme lu")),
        (mailbox.MARK_UNREAD, _("Marquer comme non lu")),
    ]
    if box != Box.INBOX:
        actions.append((mailbox.TO_INBOX, _("Remettre dans la boîte de réception")))
    if box != Box.ARCHIVE:
        actions.append((mailbox.TO_ARCHIVE, _("Archiver")))
    actions.append((mailbox.TO_TRASH, _("Mettre à la corbeille")))
    return actions


def _move_actions(folders, current=None) -> list[tuple[str, str]]:
    return [
        (f"{mailbox.MOVE_PREFIX}{folder.code}", folder.name)
        for folder in folders
        if current is None or folder.pk != current.pk
    ]


SUCCESS = {
    mailbox.MARK_READ: ngettext_lazy(
        "%(count)d message marqué comme lu.", "%(count)d messages marqués comme lus.", "count"
    ),
    mailbox.MARK_UNREAD: ngettext_lazy(
        "%(count)d message marqué comme non lu.",
        "%(count)d messages marqués comme non lus.",
        "count",
    ),
    mailbox.TO_INBOX: ngettext_lazy(
        "%(count)d message remis dans la boîte de réception.",
        "%(count)d messages remis dans la boîte de réception.",
        "count",
    ),
    mailbox.TO_ARCHIVE: ngettext_lazy(
        "%(count)d message archivé.", "%(count)d messages archivés.", "count"
    ),
    mailbox.MOVE_PREFIX: ngettext_lazy(
        "%(count)d message déplacé.", "%(count)d messages déplacés.", "count"
    ),
    mailbox.TO_TRASH: ngettext_lazy(
        "%(count)d message mis à la corbeille.",
        "%(count)d messages mis à la corbeille.",
        "count",
    ),
    mailbox.RESTORE: ngettext_lazy(
        "%(count)d message restauré.", "%(count)d messages restaurés.", "count"
    ),
    mailbox.DELETE: ngettext_lazy(
        "%(count)d message supprimé définitivement.",
        "%(count)d messages supprimés définitivement.",
        "count",
    ),
}


def _success_message(action: str, count: int) -> str:
    verb = mailbox.MOVE_PREFIX if action.startswith(mailbox.MOVE_PREFIX) else action
    return SUCCESS[verb] % {"count": count}


def _apply_bulk_action(request, allowed: set[str]):
    action = request.POST.get("action", "")
    try:
        count = mailbox.check_bulk_action(
            request.user, action, request.POST.getlist("message"), allowed
        )
    except (ValidationError, PermissionDenied) as error:
        flash.error(request, _error_text(error))
    else:
        if count:
            flash.success(request, _success_message(action, count))
        else:
            flash.info(request, _("Aucun des messages cochés n'a changé."))
    page = request.GET.get("page")
    return redirect(f"{request.path}?page={page}" if page and page.isdigit() else request.path)


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _paginate(request, items):
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    page_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page, list(page_range)


def _listing_context(current, title, page, page_range, rows, **context) -> dict:
    return {
        "mailbox_current": current,
        "title": title,
        "page_obj": page,
        "page_range": page_range,
        "rows": rows,
        **context,
    }


def _render_listing(request, current, title, page, page_range, rows, **context):
    return render(
        request,
        "messaging/mailbox.html",
        _listing_context(current, title, page, page_range, rows, **context),
    )


def _received_listing(request, current, box, title, folder=None):
    """The inbox, the archive and the user's own folders: the busiest pages, whose listing is
    cached until the user's messages change (lien.core.fragments)."""
    if request.method == "POST":
        allowed = {value for value, _label in _received_actions(box)} | {mailbox.MOVE_PREFIX}
        return _apply_bulk_action(request, allowed)
    piece = fragments.Piece("received-listing", (current, request.get_full_path()), True)
    _prefetch(request, current, piece)
    listing = fragments.cached(
        request,
        piece.name,
        partial(_received_listing_html, request, current, box, title, folder),
        vary=piece.vary,
        with_csrf=piece.with_csrf,
    )
    return render(
        request,
        "messaging/mailbox.html",
        {"mailbox_current": current, "title": title, "listing": listing},
    )


def _prefetch(request, current: str | None, piece: fragments.Piece) -> None:
    """The page's cached pieces in one cache round trip: the header, the side navigation (when
    the current folder is known before the page is built) and the page's own."""
    pieces = [account_nav_piece(request), piece]
    if current is not None:
        pieces.append(messaging_nav_piece(request, current))
    fragments.prefetch(request, pieces)


def _received_listing_html(request, current, box, title, folder) -> str:
    actions = _received_actions(box)
    page, page_range = _paginate(request, mailbox.received_in(request.user, box, folder))
    rows = [mailbox.received_row(delivery) for delivery in page.object_list]
    context = _listing_context(
        current,
        title,
        page,
        page_range,
        rows,
        actions=actions,
        move_actions=_move_actions(own_folders(request), folder),
        correspondent_heading=_("De"),
        folder=folder,
    )
    return render_to_string("messaging/_listing.html", context, request=request)


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request):
    return _received_listing(request, mailbox.INBOX, Box.INBOX, _("Boîte de réception"))


@login_required
@require_http_methods(["GET", "POST"])
def archive(request):
    return _received_listing(request, mailbox.ARCHIVE, Box.ARCHIVE, _("Archives"))


@login_required
@require_http_methods(["GET", "POST"])
def folder(request, code):
    own_folder = mailbox.folder_of(request.user, code)
    return _received_listing(
        request, own_folder.code, Box.FOLDER, own_folder.name, folder=own_folder
    )


@login_required
@require_http_methods(["GET", "POST"])
def sent(request):
    actions = [(mailbox.TO_TRASH, _("Mettre à la corbeille"))]
    if request.method == "POST":
        return _apply_bulk_action(request, {mailbox.TO_TRASH})
    page, page_range = _paginate(request, mailbox.sent_by(request.user))
    now = timezone.now()
    rows = [mailbox.sent_row(message, now) for message in page.object_list]
    return _render_listing(
        request,
        mailbox.SENT,
        _("Envoyés"),
        page,
        page_range,
        rows,
        actions=actions,
        correspondent_heading=_("À"),
        shows_read_counts=True,
    )


@login_required
@require_GET
def drafts(request):
    page, page_range = _paginate(request, mailbox.drafts_of(request.user))
    rows = [mailbox.draft_row(message) for message in page.object_list]
    return _render_listing(
        request,
        mailbox.DRAFTS,
        _("Brouillons"),
        page,
        page_range,
        rows,
        correspondent_heading=_("À"),
        are_drafts=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def trash(request):
    actions = [
        (mailbox.RESTORE, _("Restaurer")),
        (mailbox.DELETE, _("Supprimer définitivement")),
    ]
    if request.method == "POST":
        return _apply_bulk_action(request, {mailbox.RESTORE, mailbox.DELETE})
    page, page_range = _paginate(request, mailbox.trash_of(request.user))
    rows = mailbox.trash_rows(request.user, list(page.object_list))
    return _render_listing(
        request,
        mailbox.TRASH,
        _("Corbeille"),
        page,
        page_range,
        rows,
        actions=actions,
        correspondent_heading=_("De / À"),
        is_trash=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def empty_trash(request):
    if request.method == "POST":
        count = mailbox.do_empty_trash(request.user)
        if not count:
            flash.info(request, _("La corbeille était déjà vide."))
            return redirect("messaging:trash")
        flash.success(
            request,
            ngettext(
                "La corbeille est vide : %(count)d message supprimé définitivement.",
                "La corbeille est vide : %(count)d messages supprimés définitivement.",
                count,
            )
            % {"count": count},
        )
        return redirect("messaging:trash")
    return render(
        request,
        "messaging/empty_trash.html",
        {"mailbox_current": mailbox.TRASH, "count": mailbox.trash_count(request.user)},
    )


@login_required
@require_GET
def search(request):
    query = request.GET.get("q")
    context = {"mailbox_current": mailbox.SEARCH, "search_query": query or ""}
    if query is None:
        return render(request, "messaging/mailbox.html", {**context, "title": _("Recherche")})
    try:
        query = mailbox.check_search_query(query)
    except ValidationError as error:
        return render(
            request,
            "messaging/mailbox.html",
            {**context, "title": _("Recherche"), "search_error": _error_text(error)},
            status=400,
        )
    page, page_range = _paginate(request, mailbox.search(request.user, query))
    rows = mailbox.search_rows(request.user, page.object_list)
    return _render_listing(
        request,
        mailbox.SEARCH,
        _("Résultats pour « %(query)s »") % {"query": query},
        page,
        page_range,
        rows,
        search_query=query,
        correspondent_heading=_("De / À"),
        is_search=True,
    )


# --- One message --------------------------------------------------------------------------------


@login_required
@require_GET
def message(request, code):
    """One message and its thread, cached until the user's messages change (reading it, a
    reply, a read count moving on a message of theirs)."""
    piece = fragments.Piece("message", (code,), with_csrf=True)
    _prefetch(request, None, piece)
    page = fragments.cached(
        request, piece.name, partial(_message_page, request, code), piece.vary, piece.with_csrf
    )
    return render(request, "messaging/message.html", page)


def _message_page(request, code) -> dict:
    opened = mailbox.open_message(request.user, code)
    current = opened.message
    thread = mailbox.thread_of(request.user, current)
    entries = mailbox.thread_entries(request.user, current, thread)
    mailbox.do_mark_thread_read(request.user, thread)
    current_entry = next(entry for entry in entries if entry.is_current)
    may_reply = services.may_reply(request.user, current)
    context = {
        "mailbox_current": _box_of(opened),
        "opened": opened,
        "current": current,
        "entries": entries,
        "may_reply": may_reply,
        "may_reply_all": may_reply and current.recipient_count > 1,
        "may_forward": current.recalled_at is None,
        "is_scheduled": current.sent_at > timezone.now(),
    }
    if opened.is_sender:
        stats = services.read_stats(current)
        context["stats"] = stats
        context["unread_not_listed"] = stats.total - stats.read - len(stats.unread_names)
        context["may_recall"] = mailbox.may_recall(request.user, current, current_entry.read_count)
    return {
        "mailbox_current": context["mailbox_current"],
        "title": current.subject,
        "content": render_to_string("messaging/_message.html", context, request=request),
    }


def _box_of(opened) -> str:
    if opened.is_sender:
        return mailbox.TRASH if opened.message.sender_folder == "trash" else mailbox.SENT
    delivery = opened.delivery
    if delivery.box == Box.FOLDER and delivery.folder_id:
        return delivery.folder.code
    return {Box.ARCHIVE: mailbox.ARCHIVE, Box.TRASH: mailbox.TRASH}.get(delivery.box, mailbox.INBOX)


@login_required
@require_GET
def print_message(request, code):
    opened = mailbox.open_message(request.user, code)
    current = opened.message
    thread = mailbox.thread_of(request.user, current)
    entry = next(e for e in mailbox.thread_entries(request.user, current, thread) if e.is_current)
    return render(request, "messaging/print.html", {"entry": entry, "current": current})


@login_required
@require_POST
def mark_unread(request, code):
    opened = mailbox.open_message(request.user, code)
    if opened.is_sender:
        raise Http404
    services.do_mark_read(opened.delivery, read=False)
    flash.success(request, _("Message marqué comme non lu."))
    return redirect("messaging:inbox")


@login_required
@require_POST
def recall(request, code):
    opened = mailbox.open_message(request.user, code)
    try:
        services.check_recall(request.user, opened.message)
    except (ValidationError, PermissionDenied) as error:
        flash.error(request, _error_text(error))
    else:
        flash.success(request, _("Le message est rappelé : ses destinataires ne le voient plus."))
    return redirect("messaging:message", code=opened.message.code)


# --- The user's own folders ---------------------------------------------------------------------


class FolderForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom du dossier"),
        max_length=mailbox.FOLDER_NAME_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Donnez un nom au dossier."),
            "max_length": gettext_lazy("Le nom est trop long (60 caractères au plus)."),
        },
    )


def _folder_form_save(form, save):
    """Run the service on a valid form; put its refusal on the form. The folder, or None."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data["name"])
    except ValidationError as error:
        form.add_error("name", error)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def folders(request):
    form = FolderForm(request.POST if request.method == "POST" else None)
    created = request.method == "POST" and _folder_form_save(
        form, lambda name: mailbox.check_create_folder(request.user, name)
    )
    if created:
        flash.success(request, _("Dossier « %(name)s » créé.") % {"name": created.name})
        return redirect("messaging:folders")
    return render(
        request,
        "messaging/folders.html",
        {
            "mailbox_current": "folders",
            "form": form,
            "folder_list": mailbox.folders_with_counts(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rename_folder(request, code):
    own_folder = mailbox.folder_of(request.user, code)
    form = FolderForm(
        request.POST if request.method == "POST" else None, initial={"name": own_folder.name}
    )
    if request.method == "POST" and _folder_form_save(
        form, lambda name: mailbox.check_rename_folder(request.user, own_folder, name)
    ):
        flash.success(request, _("Dossier renommé en « %(name)s ».") % {"name": own_folder.name})
        return redirect("messaging:folders")
    return render(
        request,
        "messaging/folders_rename.html",
        {"mailbox_current": own_folder.code, "folder": own_folder, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_folder(request, code):
    own_folder = mailbox.folder_of(request.user, code)
    if request.method == "POST":
        moved = mailbox.do_delete_folder(request.user, own_folder)
        flash.success(
            request,
            ngettext(
                "Dossier « %(name)s » supprimé ; %(count)d message est revenu dans la boîte "
                "de réception.",
                "Dossier « %(name)s » supprimé ; %(count)d messages sont revenus dans la boîte "
                "de réception.",
                moved,
            )
            % {"name": own_folder.name, "count": moved},
        )
        return redirect("messaging:folders")
    return render(
        request,
        "messaging/folders_delete.html",
        {
            "mailbox_current": own_folder.code,
            "folder": own_folder,
            "count": mailbox.received_in(request.user, Box.FOLDER, own_folder).count(),
        },
    )
