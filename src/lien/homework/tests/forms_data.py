"""POST data of the entry form, as a browser sends it."""

from lien.homework.services import target_key
from lien.homework.tests.helpers import in_days, today


def entry_post(targets=(), subject=None, works=None, initial=0, **fields):
    """`works`: a list of dicts of the work forms' fields (title, due_date, …)."""
    works = (
        [{"title": "Exercices 4 et 5 p. 52", "due_date": in_days(2), "estimated_minutes": "30"}]
        if works is None
        else works
    )
    data = {
        "lesson_date": today().isoformat(),
        "visible_from": today().isoformat(),
        "title": "Fonctions affines",
        "content": "Cours : définition et représentation graphique.",
        "links": "Vidéo du cours https://example.org/video",
        "travail-TOTAL_FORMS": str(max(len(works), 1)),
        "travail-INITIAL_FORMS": str(initial),
        "travail-MIN_NUM_FORMS": "0",
        "travail-MAX_NUM_FORMS": "10",
    }
    if subject is not None:
        data["subject"] = str(subject.pk)
    if targets:
        data["targets"] = [target_key(t) for t in targets]
    for index, work in enumerate(works):
        for name, value in work.items():
            value = value.isoformat() if hasattr(value, "isoformat") else value
            data[f"travail-{index}-{name}"] = value
    data.update(fields)
    return data
