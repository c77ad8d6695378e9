"""The news pages: list, item, writing, validation, acknowledgements; the flash banners.

Items are reached only through `services.access_item` (404 for anyone who may not open them);
a right role missing inside the establishment is a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lien.core.models import Profile
from lien.core.profiles import active_profile
from lien.messaging import attachments as files
from lien.news import policy, services
from lien.news.forms import FlashForm, NewsItemForm, NewsSettingsForm, ReturnToAuthorForm
from lien.news.models import FlashMessage, NewsItem

Role = Profile.Role
LIST_VIEWS = {
    "": services.ListView.CURRENT,
    "a-venir": services.ListView.UPCOMING,
    "expirees": services.ListView.EXPIRED,
}


def _establishment(request):
    profile = active_profile(request)
    return profile.establishment if profile is not None else None


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# Reading ----------------------------------------------------------------------------------------


@login_required
@require_GET
def news_list(request):
    profile = active_profile(request)
    establishment = _establishment(request)
    view = LIST_VIEWS.get(request.GET.get("vue", ""), services.ListView.CURRENT)
    writes = establishment is not None and policy.can_write_news(request.user, establishment)
    if view != services.ListView.CURRENT and not writes:
        view = services.ListView.CURRENT
    validates = establishment is not None and policy.can_validate_news(request.user, establishment)
    context = {
        "establishment": establishment,
        "page_obj": services.news_page(request.user, profile, view, request.GET.get("page")),
        "view": view,
        "writes": writes,
        "validates": validates,
        "waiting": services.submitted_items(establishment).count() if validates else 0,
        "adjusts": establishment is not None
        and policy.can_adjust_news_settings(request.user, establishment),
        "posts_flashes": _flash_scope(request, profile) is not None,
    }
    context["page_range"] = context["page_obj"].paginator.get_elided_page_range(
        context["page_obj"].number
    )
    return render(request, "news/list.html", context)


@login_required
@require_GET
def item(request, code):
    news_item = services.access_item(request.user, code)
    user = request.user
    context = {
        "item": news_item,
        "may_edit": policy.can_edit_news(user, news_item),
        "may_validate": news_item.status == NewsItem.Status.SUBMITTED
        and policy.can_validate_news(user, news_item.establishment),
        "acknowledgement": None,
        "may_acknowledge": False,
        "follows": False,
    }
    if news_item.requires_acknowledgement:
        context["acknowledgement"] = services.has_acknowledged(user, news_item)
        context["may_acknowledge"] = context["acknowledgement"] is None and (
            services.may_acknowledge(user, news_item)
        )
        if policy.can_follow_acknowledgements(user, news_item):
            context["follows"] = True
            context["confirmed"], context["asked"] = services.acknowledgement_counts(news_item)
    return render(request, "news/item.html", context)


@login_required
@require_GET
def download(request, code):
    attachment = services.access_attachment(request.user, code)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    # Always a download, never shown inline: the browser must not guess or render the content.
    response["Content-Disposition"] = files.content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


# Writing ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create_item(request):
    establishment = _establishment(request)
    if establishment is None or not policy.can_write_news(request.user, establishment):
        raise PermissionDenied
    return _edit_page(request, establishment, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit_item(request, code):
    news_item = services.access_item(request.user, code)
    if not policy.can_edit_news(request.user, news_item):
        raise PermissionDenied
    return _edit_page(request, news_item.establishment, news_item)


def _edit_page(request, establishment, news_item: NewsItem | None):
    choices = services.audience_choices(request.user, establishment)
    if request.method == "POST":
        form = NewsItemForm(request.POST, request.FILES, choices=choices, item=news_item)
    else:
        form = NewsItemForm(choices=choices, item=news_item)
    if request.method == "POST" and form.is_valid():
        publish = request.POST.get("action") == "publish"
        try:
            saved = services.check_save_item(
                request.user, establishment, form.to_draft(), news_item, publish=publish
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _saved_text(saved))
            return redirect(saved)
    return render(
        request,
        "news/edit.html",
        {
            "form": form,
            "item": news_item,
            "needs_validation": policy.needs_validation(request.user, establishment),
        },
        status=400 if form.errors else 200,
    )


def _saved_text(news_item: NewsItem) -> str:
    if news_item.status == NewsItem.Status.DRAFT:
        return _("Brouillon enregistré : l'actualité n'est pas publiée.")
    if news_item.status == NewsItem.Status.SUBMITTED:
        return _("Actualité envoyée à la direction, qui la validera avant publication.")
    if news_item.publish_at > timezone.now():
        return _("Actualité programmée.")
    return _("Actualité publiée.")


@login_required
@require_http_methods(["GET", "POST"])
def delete_item(request, code):
    news_item = services.access_item(request.user, code)
    if not policy.can_edit_news(request.user, news_item):
        raise PermissionDenied
    if request.method == "POST":
        services.check_delete_item(request.user, news_item)
        messages.success(request, _("Actualité supprimée."))
        return redirect("news:list")
    return render(request, "news/delete.html", {"item": news_item})


# Validation -------------------------------------------------------------------------------------


@login_required
@require_GET
def validation_queue(request):
    establishment = _establishment(request)
    if establishment is None or not policy.can_validate_news(request.user, establishment):
        raise PermissionDenied
    return render(
        request,
        "news/validation_queue.html",
        {
            "items": services.submitted_items(establishment),
            "establishment": establishment,
        },
    )


@login_required
@require_POST
def publish_submitted(request, code):
    news_item = services.access_item(request.user, code)
    try:
        services.check_publish_submitted(request.user, news_item)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("« %(title)s » est publiée.") % {"title": news_item.title})
    return redirect("news:validation-queue")


@login_required
@require_POST
def return_to_author(request, code):
    news_item = services.access_item(request.user, code)
    form = ReturnToAuthorForm(request.POST)
    form.is_valid()
    try:
        services.check_return_to_author(request.user, news_item, form.cleaned_data.get("note", ""))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("« %(title)s » est renvoyée à son auteur.") % {"title": news_item.title}
        )
    return redirect("news:validation-queue")


@login_required
@require_http_methods(["GET", "POST"])
def news_settings(request):
    establishment = _establishment(request)
    if establishment is None or not policy.can_adjust_news_settings(request.user, establishment):
        raise PermissionDenied
    current = services.news_settings(establishment)
    form = NewsSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"teachers_need_validation": current.teachers_need_validation},
    )
    if request.method == "POST" and form.is_valid():
        services.check_save_news_settings(
            request.user, establishment, form.cleaned_data["teachers_need_validation"]
        )
        messages.success(request, _("Réglages des actualités enregistrés."))
        return redirect("news:settings")
    return render(request, "news/settings.html", {"form": form, "establishment": establishment})


# Acknowledgements -------------------------------------------------------------------------------


@login_required
@require_POST
def acknowledge(request, code):
    news_item = services.access_item(request.user, code)
    try:
        services.check_acknowledge(request.user, news_item)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Merci : votre confirmation de lecture est enregistrée."))
    return redirect(news_item)


@login_required
@require_GET
def acknowledgements(request, code):
    news_item = services.access_item(request.user, code)
    if not policy.can_follow_acknowledgements(request.user, news_item):
        raise PermissionDenied
    if not news_item.requires_acknowledgement:
        raise Http404
    status = services.acknowledgement_status(news_item, request.GET.get("page"))
    return render(
        request,
        "news/acknowledgements.html",
        {
            "item": news_item,
            "status": status,
            "page_obj": status.missing,
            "page_range": status.missing.paginator.get_elided_page_range(status.missing.number),
        },
    )


@login_required
@require_POST
def remind(request, code):
    news_item = services.access_item(request.user, code)
    link = request.build_absolute_uri(news_item.get_absolute_url())
    try:
        reminder = services.check_remind(request.user, news_item, link)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            ngettext(
                "Relance envoyée par la messagerie à %(count)d parent.",
                "Relance envoyée par la messagerie à %(count)d parents.",
                reminder.recipient_count,
            )
            % {"count": reminder.recipient_count},
        )
    return redirect("news:acknowledgements", code=news_item.code)


# Flash banners ----------------------------------------------------------------------------------


def _flash_scope(request, profile) -> dict | None:
    """Where the active profile posts banners: its establishment (direction) or its
    collectivité (operators); None for everyone else."""
    if profile is None:
        return None
    if profile.role == Role.OPERATOR and policy.can_post_collectivity_flash(
        request.user, profile.collectivity
    ):
        return {"collectivity": profile.collectivity}
    if (
        profile.role == Role.STAFF
        and profile.establishment is not None
        and policy.can_post_establishment_flash(request.user, profile.establishment)
    ):
        return {"establishment": profile.establishment}
    return None


@login_required
@require_http_methods(["GET", "POST"])
def flashes(request):
    scope = _flash_scope(request, active_profile(request))
    if scope is None:
        raise PermissionDenied
    form = FlashForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_post_flash(request.user, form.to_draft(), **scope)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Message flash enregistré."))
            return redirect("news:flashes")
    return render(
        request,
        "news/flashes.html",
        {"form": form, "flashes": services.scope_flashes(**scope), **scope},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def withdraw_flash(request, code):
    scope = _flash_scope(request, active_profile(request))
    if scope is None:
        raise PermissionDenied
    flash = FlashMessage.objects.filter(code=code, **scope).first()
    if flash is None:
        raise Http404
    services.check_withdraw_flash(request.user, flash)
    messages.success(request, _("Message flash retiré."))
    return redirect("news:flashes")


@login_required
@require_POST
def dismiss_flash(request, code):
    services.check_dismiss_flash(request.user, active_profile(request), code)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home:index"
    return redirect(target)
