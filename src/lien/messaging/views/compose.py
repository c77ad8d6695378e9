"""Writing messages: compose, reply, reply all, forward, drafts (with autosave), signature.

Nothing typed is ever lost: a refused send re-renders the form with the reason and keeps the
message as a draft; the autosave script saves the draft in the background. Files chosen in the
form go with the message when it is sent, or stay on its draft (a file input cannot be filled
again when the page comes back).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lien.core.models import Profile
from lien.core.profiles import active_profile
from lien.messaging import attachments, mailbox, policy, services
from lien.messaging import compose as helpers
from lien.messaging.forms import ComposeForm, SignatureForm
from lien.messaging.models import Address, Field, Message

Kind = Address.Kind
Role = Profile.Role


@dataclass
class Composition:
    """Where a compose page writes from: its establishment, what it answers, its draft."""

    establishment: object
    title: str
    in_reply_to: Message | None = None
    draft: Message | None = None
    original: Message | None = None
    forwarded: Message | None = None  # its files go with the new message
    prefill: helpers.Prefill = field(default_factory=helpers.Prefill)
    form_action: str = ""


def _forbidden(request, reason: str):
    return render(request, "messaging/compose_forbidden.html", {"reason": reason}, status=403)


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Vous ne pouvez pas envoyer ce message.")


def _already_sent(request, message: Message):
    messages.info(request, _("Ce message a déjà été envoyé."))
    return redirect("messaging:message", code=message.code)


def _new_key() -> str:
    return uuid.uuid4().hex


def _posted_key(value: str | None) -> str:
    try:
        return uuid.UUID(value or "").hex
    except ValueError:
        return _new_key()


# --- Pages --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def compose(request):
    profile = active_profile(request)
    if profile is None:
        return _forbidden(
            request,
            _("Votre compte n'a encore aucun profil : vous ne pouvez pas écrire de message."),
        )
    establishment, form_action = profile.establishment, ""
    if profile.role == Role.OPERATOR:
        # An operator writes to the staff of one of their collectivité's establishments.
        establishments = helpers.operator_establishments(profile)
        chosen = request.GET.get("etablissement")
        if not chosen:
            return render(
                request,
                "messaging/compose_establishment.html",
                {"establishments": establishments},
            )
        establishment = next((e for e in establishments if str(e.code) == chosen), None)
        if establishment is None:
            raise Http404
        form_action = f"{request.path}?etablissement={establishment.code}"
    composition = Composition(establishment, _("Nouveau message"), form_action=form_action)
    if request.method == "GET" and request.GET.get("destinataire"):
        # "Écrire à …" links from other pages name the person by their account's code.
        person = _person(establishment, request.GET["destinataire"])
        if person is not None and policy.can_write_to(request.user, person):
            composition.prefill.people.append(person)
    return _compose_page(request, composition)


def _person(establishment, code: str):
    try:
        return helpers.people_scope(establishment).filter(code=uuid.UUID(code)).first()
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def edit_draft(request, code):
    draft = Message.objects.filter(code=code, sender=request.user).first()
    if draft is None:
        raise Http404
    if not draft.is_draft:
        return _already_sent(request, draft)
    composition = Composition(
        draft.establishment,
        _("Brouillon"),
        in_reply_to=draft.in_reply_to,
        draft=draft,
        original=draft.in_reply_to,
    )
    return _compose_page(request, composition)


@login_required
@require_POST
def delete_draft(request, code):
    draft = Message.objects.filter(code=code, sender=request.user, sent_at__isnull=True).first()
    if draft is None:
        raise Http404
    helpers.do_delete_draft(request.user, draft)
    messages.success(request, _("Brouillon supprimé."))
    return redirect("messaging:drafts")


@login_required
@require_http_methods(["GET", "POST"])
def reply(request, code):
    return _reply(request, code, everyone=False)


@login_required
@require_http_methods(["GET", "POST"])
def reply_all(request, code):
    return _reply(request, code, everyone=True)


def _reply(request, code, everyone: bool):
    original = mailbox.open_message(request.user, code).message
    if not services.may_reply(request.user, original):
        if original.recalled_at is not None:
            reason = _("Ce message a été rappelé par son expéditeur.")
        elif original.conversation.locked_at is not None:
            reason = _("Cette conversation a été verrouillée par l'établissement.")
        else:
            reason = _("L'expéditeur a choisi « Sans réponse possible » pour ce message.")
        return _forbidden(request, _("Vous ne pouvez pas répondre à ce message. ") + reason)
    composition = Composition(
        original.establishment,
        _("Répondre à tous") if everyone else _("Répondre"),
        in_reply_to=original,
        original=original,
    )
    if request.method == "GET":
        composition.prefill = helpers.reply_prefill(request.user, original, everyone)
    return _compose_page(request, composition)


@login_required
@require_http_methods(["GET", "POST"])
def forward(request, code):
    original = mailbox.open_message(request.user, code).message
    if original.recalled_at is not None:
        return _forbidden(request, _("Ce message a été rappelé : il ne peut pas être transféré."))
    composition = Composition(
        original.establishment, _("Transférer"), original=original, forwarded=original
    )
    if request.method == "GET":
        composition.prefill = helpers.forward_prefill(original)
    return _compose_page(request, composition)


@login_required
@require_http_methods(["GET", "POST"])
def signature(request):
    if request.method == "POST":
        form = SignatureForm(request.POST)
        if form.is_valid():
            helpers.do_set_signature(request.user, form.cleaned_data["text"])
            messages.success(request, _("Signature enregistrée."))
            return redirect("messaging:signature")
    else:
        form = SignatureForm(initial={"text": helpers.signature_of(request.user)})
    return render(
        request, "messaging/signature.html", {"form": form, "mailbox_current": "signature"}
    )


# --- The compose form ---------------------------------------------------------------------------


def _form_kwargs(request, composition: Composition) -> dict:
    choices = helpers.addressable_lists(request.user, composition.establishment)
    offered = {choice.key for choice in choices}
    if composition.draft is not None:
        for address in composition.draft.addresses.exclude(kind=Kind.USER).select_related(
            "school_class", "group"
        ):
            target = services.address_target(address)
            ours = target is None or target.establishment_id == composition.establishment.pk
            if ours and helpers.address_key(address) not in offered:
                choices.append(helpers.list_choice_of(address))
                offered.add(helpers.address_key(address))
    extra_people = [composition.in_reply_to.sender_id] if composition.in_reply_to else []
    return {
        "list_choices": choices,
        "establishment": composition.establishment,
        "people_scope": helpers.people_scope(composition.establishment, extra_people),
    }


def _initial(request, composition: Composition) -> tuple[dict, list]:
    draft = composition.draft
    if draft is not None:
        addresses = list(draft.addresses.select_related("user", "school_class", "group"))
        people = [a.user for a in addresses if a.kind == Kind.USER]
        lists = [a for a in addresses if a.kind != Kind.USER]
        initial = {
            "subject": draft.subject,
            "body": draft.body,
            "lists": [helpers.address_key(a) for a in lists],
            "lists_bcc": any(a.field == Field.BCC for a in lists),
            "is_no_reply": draft.is_no_reply,
        }
    else:
        prefill = composition.prefill
        people = prefill.people
        initial = {"subject": prefill.subject, "body": prefill.body, "lists": prefill.lists}
    initial["people"] = [str(person.code) for person in people]
    initial["with_signature"] = True
    initial["q"] = request.GET.get("q", "")
    return initial, people


def _compose_page(request, composition: Composition):
    kwargs = _form_kwargs(request, composition)
    if request.method == "POST":
        return _compose_post(request, composition, kwargs)
    initial, people = _initial(request, composition)
    form = ComposeForm(initial=initial, **kwargs)
    draft = composition.draft
    key = (draft.idempotency_key if draft is not None else "") or _new_key()
    return _render(request, composition, form, people, key, draft)


def _compose_post(request, composition: Composition, form_kwargs: dict):
    user = request.user
    data = request.POST.copy()
    action = data.get("action", "search")
    if data.get("add"):
        action = "edit"
        data.appendlist("people", data["add"])
    if data.get("remove"):
        action = "edit"
        data.setlist("people", [code for code in data.getlist("people") if code != data["remove"]])
    removed_file = data.get("remove_attachment", "")
    if removed_file:
        action = "edit"
    draft, key, sent = _posted_draft(user, composition, data)
    if sent is not None:
        if action == "autosave":
            return JsonResponse({"draft": None, "message": _("Ce message a déjà été envoyé.")})
        return _already_sent(request, sent)

    form = ComposeForm(data, request.FILES, **form_kwargs)
    is_valid = form.is_valid()
    # An autosave never carries files (the script leaves them out): they go with a button.
    files = form.cleaned_data.get("attachments", []) if action != "autosave" else []
    content = form.to_draft(composition.in_reply_to, key)
    try:
        if action == "autosave":
            if draft is None and helpers.is_empty(content):
                return JsonResponse({"draft": None, "message": ""})
            saved = _save_draft(user, composition, content, draft)
            at = time_format(timezone.localtime(saved.updated_at), "H:i")
            return JsonResponse(
                {
                    "draft": str(saved.code),
                    "message": _("Brouillon enregistré à %(time)s.") % {"time": at},
                }
            )
        if action == "save":
            if draft is None and helpers.is_empty(content) and not files:
                form.add_error(None, _("Rien à enregistrer : le message est vide."))
                return _render(request, composition, form, form.chosen_people, key, None)
            draft = _save_draft(user, composition, content, draft)
            files_kept = _attach(form, draft, files)
            messages.success(request, _("Brouillon enregistré."))
            if is_valid and files_kept:
                return redirect("messaging:edit-draft", code=draft.code)
            return _render(request, composition, form, form.chosen_people, key, draft)
        if action == "send":
            return _send(request, composition, form, is_valid, content, draft, files)
        if files or (removed_file and draft is not None):
            # A search, a change of recipients or a file taken off re-renders the page: the
            # draft keeps what was typed and the files chosen.
            draft = _save_draft(user, composition, content, draft)
            _attach(form, draft, files)
            if removed_file:
                _remove_file(request, draft, removed_file)
    except helpers.AlreadySent as sent:
        if action == "autosave":
            return JsonResponse({"draft": None, "message": _("Ce message a déjà été envoyé.")})
        return _already_sent(request, sent.message)
    return _render(request, composition, form, form.chosen_people, key, draft)


def _posted_draft(user, composition: Composition, data):
    """The draft a posted form edits, its idempotency key, and the message it became if it was
    sent meanwhile (a double click).

    The draft is the page's own, else the one the form saved before (its hidden code), else the
    one its compose session saved (same key: a background save whose answer never came back).
    A posted draft must be the user's, written from this page's establishment and answering
    the same message; else 404.
    """
    mine = Message.objects.filter(
        sender=user,
        establishment=composition.establishment,
        in_reply_to=composition.in_reply_to,
    )
    draft = composition.draft
    if draft is None and data.get("draft"):
        try:
            draft = mine.filter(code=uuid.UUID(data["draft"])).first()
        except ValueError:
            draft = None
        if draft is None:
            raise Http404
    key = _posted_key(data.get("idempotency_key"))
    taken = Message.objects.filter(sender=user, idempotency_key=key).first()
    same_key = taken if taken is not None and mine.filter(pk=taken.pk).exists() else None
    for message in (draft, same_key):
        if message is not None and not message.is_draft:
            return None, key, message
    if draft is None:
        draft = same_key
    if taken is not None and taken != draft:
        key = (draft.idempotency_key if draft is not None else "") or _new_key()
    return draft, key, None


def _save_draft(user, composition: Composition, content, draft: Message | None) -> Message:
    """Save the draft (`helpers.save_draft`); a forward's first save carries the forwarded
    message's files."""
    with transaction.atomic():
        saved = helpers.save_draft(user, composition.establishment, content, draft)
        if draft is None and composition.forwarded is not None:
            attachments.do_copy_attachments(composition.forwarded, saved)
    return saved


def _attach(form, draft: Message, files) -> bool:
    """Store the posted files with the saved draft; a refusal goes on the form (False)."""
    try:
        attachments.do_attach(draft, files)
    except ValidationError as error:
        form.add_error("attachments", error)
        return False
    return True


def _remove_file(request, draft: Message, code: str) -> None:
    removed = helpers.remove_attachment(request.user, draft, code)
    if removed is not None:
        messages.success(
            request, _("Pièce jointe retirée : %(name)s.") % {"name": removed.original_name}
        )


class _FilesRefused(Exception):
    """The message could be sent but not its files: the send is undone."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


def _send_with_files(user, composition: Composition, content, draft, signature, files):
    """Send, and store the files with the message in the same transaction."""
    with transaction.atomic():
        sent = helpers.send(user, composition.establishment, content, draft, signature)
        try:
            if draft is None and composition.forwarded is not None:
                attachments.do_copy_attachments(composition.forwarded, sent)
            attachments.do_attach(sent, files)
        except ValidationError as error:
            raise _FilesRefused(error) from error
    return sent


def _send(request, composition, form, is_valid, content, draft, files):
    user = request.user
    refused_files = None
    if is_valid:
        signature = helpers.signature_of(user) if form.cleaned_data["with_signature"] else ""
        try:
            sent = _send_with_files(user, composition, content, draft, signature, files)
        except _FilesRefused as refused:
            # The same refusal comes again below, when the draft keeps the files.
            refused_files = refused.error
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            if sent.sent_at > timezone.now():
                local = timezone.localtime(sent.sent_at)
                text = _("Votre message partira le %(date)s à %(time)s.") % {
                    "date": date_format(local, "d/m/Y"),
                    "time": time_format(local, "H:i"),
                }
            else:
                text = _("Message envoyé.")
            messages.success(request, text)
            return redirect("messaging:message", code=sent.code)
    draft = _save_draft(user, composition, content, draft)
    if _attach(form, draft, files) and refused_files is not None:
        form.add_error("attachments", refused_files)
    return _render(
        request,
        composition,
        form,
        form.chosen_people,
        content.idempotency_key,
        draft,
        refused=True,
    )


def _render(request, composition, form, people, key, draft, refused=False):
    user = request.user
    establishment = composition.establishment
    query = form["q"].value() or ""
    search = None
    if query.strip():
        search = helpers.search_people(
            user, establishment, query, exclude_ids=[person.pk for person in people]
        )
    choices = list(form.list_choices.values())
    labels = helpers.describe_people(people, establishment)
    context = {
        "composition": composition,
        "form": form,
        "sections": helpers.sections_of(choices),
        "checked_lists": set(form["lists"].value() or []),
        "people_rows": [(person, labels.get(person.pk, "")) for person in people],
        "search": search,
        "search_rows": [(p, search.labels.get(p.pk, "")) for p in search.people] if search else [],
        "signature": helpers.signature_of(user),
        "may_send_no_reply": policy.may_send_no_reply(user, establishment),
        "idempotency_key": key,
        "draft": draft,
        "refused": refused,
    }
    return render(request, "messaging/compose.html", context)
