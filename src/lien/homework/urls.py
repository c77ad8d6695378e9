from django.urls import path

from lien.homework.views import entries, feeds, log, todo

app_name = "homework"

urlpatterns: list = [
    # Reading by week (views/log.py)
    path("", log.index, name="index"),
    path("classes/<uuid:code>/", log.class_log, name="class-log"),
    path("groupes/<uuid:code>/", log.group_log, name="group-log"),
    path("eleves/<uuid:code>/", log.student_log, name="student-log"),
    path("seances/<uuid:code>/", log.entry, name="entry"),
    path("classes/<uuid:code>/charge/", log.class_workload, name="class-workload"),
    path("groupes/<uuid:code>/charge/", log.group_workload, name="group-workload"),
    # Writing (views/entries.py)
    path("seances/nouvelle/", entries.create_entry, name="create-entry"),
    path("seances/<uuid:code>/modifier/", entries.edit_entry, name="edit-entry"),
    path("seances/<uuid:code>/copier/", entries.copy_entry, name="copy-entry"),
    path("seances/<uuid:code>/supprimer/", entries.delete_entry, name="delete-entry"),
    path("documents/<uuid:code>/", entries.attachment, name="attachment"),
    # To-do list (views/todo.py)
    path("a-faire/", todo.todo, name="todo"),
    path("a-faire/<uuid:code>/fait/", todo.tick, name="tick-work"),
    # Calendar feeds (views/feeds.py)
    path("agenda/", feeds.calendar_feeds, name="feeds"),
    path("agenda/reinitialiser/", feeds.reset_feed, name="reset-feed"),
    path("agenda/<slug:token>.ics", feeds.feed, name="feed"),
]
