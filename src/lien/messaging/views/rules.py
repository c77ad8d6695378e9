"""The establishment's messaging rules, adjusted by its direction and ENT administrators."""

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from lien.core.profiles import active_profile
from lien.messaging import policy, services
from lien.messaging.models import MessagingRules


class MessagingRulesForm(forms.ModelForm):
    class Meta:
        model = MessagingRules
        fields = ["students_may_write_to_classmates", "parents_may_write_to_class_parents"]
        labels = {
            "students_may_write_to_classmates": gettext_lazy(
                "Les élèves peuvent écrire à leurs camarades de classe"
            ),
            "parents_may_write_to_class_parents": gettext_lazy(
                "Les parents peuvent écrire aux autres parents de la classe"
            ),
        }
        help_texts = {
            "students_may_write_to_classmates": gettext_lazy(
                "Il est recommandé aux établissements de garder fermés les échanges entre "
                "élèves. Si vous cochez cette case, chaque élève pourra écrire aux élèves de sa "
                "classe de l'année en cours."
            ),
            "parents_may_write_to_class_parents": gettext_lazy(
                "Si vous cochez cette case, chaque parent pourra écrire aux parents des autres "
                "élèves de la classe de son enfant. Sinon, les parents n'écrivent qu'aux "
                "enseignants de leurs enfants et au personnel de l'établissement."
            ),
        }


@login_required
@require_http_methods(["GET", "POST"])
def rules(request):
    """The rules of the establishment of the profile in use; absent rules are the strict
    defaults."""
    profile = active_profile(request)
    establishment = profile.establishment if profile is not None else None
    if establishment is None or not policy.can_adjust_messaging_rules(request.user, establishment):
        raise PermissionDenied
    current = policy.rules_for(establishment)
    form = MessagingRulesForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.do_save_messaging_rules(establishment, **form.cleaned_data)
        flash.success(request, _("Règles de la messagerie enregistrées."))
        return redirect("messaging:rules")
    return render(
        request,
        "messaging/rules.html",
        {"form": form, "establishment": establishment, "mailbox_current": "rules"},
        status=400 if form.errors else 200,
    )
