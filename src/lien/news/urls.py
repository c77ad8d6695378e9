from django.urls import path

from lien.news import views

app_name = "news"

urlpatterns: list = [
    path("", views.news_list, name="list"),
    path("nouvelle/", views.create_item, name="create-item"),
    path("a-valider/", views.validation_queue, name="validation-queue"),
    path("reglages/", views.news_settings, name="settings"),
    path("<uuid:code>/", views.item, name="item"),
    path("<uuid:code>/modifier/", views.edit_item, name="edit-item"),
    path("<uuid:code>/supprimer/", views.delete_item, name="delete-item"),
    path("<uuid:code>/publier/", views.publish_submitted, name="publish-item"),
    path("<uuid:code>/renvoyer/", views.return_to_author, name="return-item"),
    path("<uuid:code>/lu/", views.acknowledge, name="acknowledge"),
    path("<uuid:code>/confirmations/", views.acknowledgements, name="acknowledgements"),
    path("<uuid:code>/relancer/", views.remind, name="remind"),
    path("pieces-jointes/<uuid:code>/", views.download, name="attachment"),
    path("flash/", views.flashes, name="flashes"),
    path("flash/<uuid:code>/retirer/", views.withdraw_flash, name="withdraw-flash"),
    path("flash/<uuid:code>/masquer/", views.dismiss_flash, name="dismiss-flash"),
]
