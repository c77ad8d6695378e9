"""Real time in Chromium, through the ASGI application served for real (daphne, WebSockets):
the sender's read count moves, and an open inbox shows a new message, without reloading.

The server: pytest-django's `live_server` is a WSGI server (no WebSocket), and Channels'
ChannelsLiveServerTestCase runs daphne in another process, which can't see the in-memory SQLite
test database. So daphne runs here in a thread of the test process, and its threads share the
test database connection, as `live_server` does for SQLite (Django's LiveServerThread). On
PostgreSQL each thread simply opens its own connection to the test database.
"""

import threading
import time

import pytest
from django.db import connections
from playwright.sync_api import expect

from lien.tests.browser.conftest import SCREENSHOTS
from lien.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def asgi_live_server(django_db_setup, django_db_blocker):
    """lien.asgi served by daphne in a thread, on a free port: its base URL. Once per process
    (Twisted's reactor can't be restarted)."""
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from twisted.internet import reactor

    from lien.asgi import application

    shared = {
        alias: connections[alias]
        for alias in connections
        if connections[alias].vendor == "sqlite" and connections[alias].is_in_memory_db()
    }
    create_connection = connections.create_connection
    opened = []

    def connection_for_server_threads(alias):
        if alias in shared:
            return shared[alias]
        connection = create_connection(alias)
        opened.append(connection)
        return connection

    for connection in shared.values():
        connection.inc_thread_sharing()
    with pytest.MonkeyPatch.context() as patch:
        # Threads other than this one (daphne's) get this thread's in-memory database.
        patch.setattr(connections, "create_connection", connection_for_server_threads)
        server = Server(
            # Static files as `make demo` (daphne's runserver) serves them.
            application=ASGIStaticFilesHandler(application),
            endpoints=build_endpoint_description_strings(host="127.0.0.1", port=0),
            signal_handlers=False,
            verbosity=0,
        )
        thread = threading.Thread(target=server.run, name="daphne", daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.listening_addresses:
            assert time.monotonic() < deadline, "daphne did not start"
            time.sleep(0.05)
        host, port = server.listening_addresses[0]
        yield f"http://{host}:{port}"
        reactor.callFromThread(reactor.stop)
        thread.join(timeout=10)
    for connection in shared.values():
        connection.dec_thread_sharing()
    # The server threads' own connections (PostgreSQL): closed, so that the test database
    # can be dropped.
    for connection in opened:
        connection.inc_thread_sharing()
        connection.close()


@pytest.fixture
def open_page(browser):
    """A page in its own browser context (its own cookies): one person at their computer."""
    contexts = []

    def new_page():
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def log_in(page, server, profile):
    page.goto(f"{server}/connexion/")
    page.get_by_label("Identifiant ou adresse e-mail").fill(profile.user.username)
    page.get_by_label("Mot de passe ou code d'activation").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/accueil/")


def write_to_class_parents(page, server, subject):
    page.goto(f"{server}/messagerie/nouveau/")
    page.get_by_label("Parents de 2nde A").check()
    page.get_by_label("Objet").fill(subject)
    page.get_by_label("Message", exact=True).fill("Merci de signer l'autorisation.")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(f"{server}/messagerie/messages/**")


def listening(page):
    """Wait until the page's WebSocket is open; mark the page, to tell later it wasn't reloaded."""
    page.locator("html[data-live=connected]").wait_for()
    page.evaluate("window.notReloaded = true")


def was_not_reloaded(page) -> bool:
    return page.evaluate("window.notReloaded === true")


def test_read_counts_and_new_messages_arrive_without_reload(open_page, asgi_live_server, cast):
    server = asgi_live_server
    teacher = open_page()
    parent = open_page()
    log_in(teacher, server, cast.a.teacher)
    log_in(parent, server, cast.a.parent)

    # The teacher writes to the two parents of 2nde A and stays on the message's page.
    write_to_class_parents(teacher, server, "Sortie au musée")
    read_stats = teacher.locator(".read-stats p").first
    expect(read_stats).to_have_text("0 / 2 lus")
    listening(teacher)

    # One parent opens it, in their own browser: the teacher's count moves.
    parent.goto(f"{server}/messagerie/")
    parent.get_by_role("link", name="Sortie au musée").click()
    expect(parent.get_by_role("heading", level=1)).to_have_text("Sortie au musée")
    expect(read_stats).to_have_text("1 / 2 lus")
    expect(teacher.locator(".message-header dd[data-read-count]")).to_have_text("1 / 2 lus")
    assert was_not_reloaded(teacher)
    teacher.screenshot(path=str(SCREENSHOTS / "messaging-live-read-count.png"), full_page=True)

    # The parent goes back to their inbox, everything read; the teacher writes again.
    parent.goto(f"{server}/messagerie/")
    header_link = parent.locator(".account-nav").get_by_role("link", name="Messagerie")
    expect(header_link).to_have_text("Messagerie")
    listening(parent)
    write_to_class_parents(teacher, server, "Conseil de classe")

    first_row = parent.locator("table.mailbox tbody tr").first
    expect(first_row).to_contain_text("Conseil de classe")
    expect(first_row).to_contain_text(cast.a.teacher.user.get_full_name())
    expect(first_row).to_have_class("unread")
    expect(parent.locator("table.mailbox tbody tr")).to_have_count(2)
    expect(header_link).to_have_text("Messagerie 1 non lu")
    expect(parent.locator("[data-unread-badge] a .badge").first).to_have_text("1 non lu")
    assert was_not_reloaded(parent)
    parent.screenshot(path=str(SCREENSHOTS / "messaging-live-inbox.png"), full_page=True)

    # The new row is a real one: it opens the message.
    first_row.get_by_role("link", name="Conseil de classe").click()
    expect(parent.get_by_role("heading", level=1)).to_have_text("Conseil de classe")


def test_an_empty_inbox_offers_to_reload_when_a_message_arrives(open_page, asgi_live_server, cast):
    server = asgi_live_server
    teacher = open_page()
    parent = open_page()
    log_in(teacher, server, cast.a.teacher)
    log_in(parent, server, cast.a.parent)
    parent.goto(f"{server}/messagerie/")
    expect(parent.get_by_text("Aucun message.")).to_be_visible()
    listening(parent)

    write_to_class_parents(teacher, server, "Sortie au musée")

    notice = parent.get_by_role("link", name="Nouveau message — actualiser")
    expect(notice).to_be_visible()
    assert was_not_reloaded(parent)
    notice.click()
    expect(parent.get_by_role("link", name="Sortie au musée")).to_be_visible()
