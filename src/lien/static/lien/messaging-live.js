// Lien messaging: real time over a WebSocket (/ws/evenements/, messaging/consumers.py).
// - the unread badges (the inbox links inside [data-unread-badge]) follow the count;
// - the open inbox (table[data-live-inbox]) shows a new message at the top, or, when it can't,
//   a « Nouveau message — actualiser » notice;
// - the sender's « N / M lus » (inside [data-read-count="<code>"]) moves as recipients read.
// Progressive enhancement only: without this script, or without a connection, every page shows
// the same on its next load. No inline script (CSP): the texts come from the script's data-*.
// <html data-live="connected"> tells (tests, styles) that the page is listening.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.WebSocket || !window.JSON) {
    return;
  }
  var text = script.dataset;
  var CLOSE_UNAUTHENTICATED = 4401;
  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 60000;
  var delay = FIRST_DELAY_MS;
  var socket = null;
  var timer = null;
  var stopped = false;
  var awaitingState = false;
  var unread = badgeCount();
  var shown = {}; // codes of the messages the page already lists
  var status = liveRegion();

  Array.prototype.forEach.call(
    document.querySelectorAll("table[data-live-inbox] input[name=message]"),
    function (input) {
      shown[input.value] = true;
    }
  );

  function fill(template, values) {
    Object.keys(values).forEach(function (key) {
      template = template.split(key).join(values[key]);
    });
    return template;
  }

  function liveRegion() {
    var region = document.createElement("p");
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    document.body.appendChild(region);
    return region;
  }

  // The links to the inbox that carry the unread badge.
  function inboxLinks() {
    var links = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-unread-badge]"), function (zone) {
      var link =
        zone.tagName === "A" ? zone : zone.querySelector('a[href="' + text.inboxUrl + '"]');
      if (link) {
        links.push(link);
      }
    });
    return links;
  }

  function badgeCount() {
    var links = inboxLinks();
    var badge = links.length ? links[0].querySelector(".badge") : null;
    return badge ? parseInt(badge.textContent, 10) || 0 : 0;
  }

  function setUnread(count) {
    unread = count;
    inboxLinks().forEach(function (link) {
      var badge = link.querySelector(".badge");
      if (!count) {
        if (badge) {
          badge.remove();
        }
        return;
      }
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        if (!/\s$/.test(link.textContent)) {
          link.appendChild(document.createTextNode(" "));
        }
        link.appendChild(badge);
      }
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " " + (count === 1 ? text.unreadOne : text.unreadMany);
      badge.textContent = String(count);
      badge.appendChild(hidden);
    });
  }

  function isInbox() {
    return window.location.pathname === text.inboxUrl;
  }

  function showRefreshNotice() {
    var main = document.querySelector(".messaging-main") || document.querySelector("main");
    if (!main || document.getElementById("live-refresh")) {
      return;
    }
    var notice = document.createElement("p");
    notice.id = "live-refresh";
    notice.className = "message";
    var link = document.createElement("a");
    link.href = text.inboxUrl;
    link.textContent = text.refresh;
    notice.appendChild(link);
    main.insertBefore(notice, main.firstChild);
  }

  // "2026-11-24T14:05:00+01:00" (the server's local time) → "24/11/2026 14:05".
  function shortDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso) || [];
    if (document.documentElement.lang.indexOf("en") === 0) {
      return parts[2] + "/" + parts[3] + "/" + parts[1] + " " + parts[4] + ":" + parts[5];
    }
    return parts[3] + "/" + parts[2] + "/" + parts[1] + " " + parts[4] + ":" + parts[5];
  }

  function cell(row) {
    var td = document.createElement("td");
    row.appendChild(td);
    return td;
  }

  // The same row as messaging/mailbox.html draws for an unread message of the inbox.
  function inboxRow(message) {
    var row = document.createElement("tr");
    row.className = "unread";
    var select = cell(row);
    var checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    checkbox.name = "message";
    checkbox.value = message.code;
    checkbox.id = "select-" + message.code;
    var label = document.createElement("label");
    label.htmlFor = checkbox.id;
    label.className = "visually-hidden";
    label.textContent = fill(text.selectRow, { __SUBJECT__: message.subject });
    select.appendChild(checkbox);
    select.appendChild(label);
    cell(row).textContent = message.sender;
    var subject = cell(row);
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = text.unreadRow + " ";
    var link = document.createElement("a");
    link.href = message.url;
    var strong = document.createElement("strong");
    strong.textContent = message.subject;
    link.appendChild(strong);
    subject.appendChild(hidden);
    subject.appendChild(link);
    var time = document.createElement("time");
    time.dateTime = message.sent_at;
    time.textContent = shortDate(message.sent_at);
    cell(row).appendChild(time);
    return row;
  }

  function messageReceived(event) {
    var message = event.message;
    setUnread(event.unread_count);
    if (shown[message.code]) {
      return;
    }
    shown[message.code] = true;
    status.textContent = fill(text.newMessage, {
      __SENDER__: message.sender,
      __SUBJECT__: message.subject,
    });
    var table = document.querySelector("table[data-live-inbox]");
    // Only a table with the four columns drawn here (selection, from, subject, date).
    if (table && table.tBodies.length && table.querySelectorAll("thead th").length === 4) {
      var body = table.tBodies[0];
      body.insertBefore(inboxRow(message), body.firstChild);
    } else if (isInbox()) {
      showRefreshNotice();
    }
  }

  // « 3 / 12 lus » in the page's language, as a pattern: the text to replace in a zone.
  var readPattern = new RegExp(
    "^\\s*" +
      text.readCount
        .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        .replace("__READ__", "\\d+")
        .replace("__TOTAL__", "\\d+") +
      "\\s*$"
  );

  // The innermost element of the zone that shows only the read count (the zone itself, or
  // a paragraph of it).
  function readCountElement(zone) {
    var candidates = [zone].concat(Array.prototype.slice.call(zone.querySelectorAll("*")));
    var found = null;
    candidates.forEach(function (node) {
      if (readPattern.test(node.textContent)) {
        found = node;
      }
    });
    return found;
  }

  function messageRead(event) {
    var value = fill(text.readCount, { __READ__: event.read, __TOTAL__: event.total });
    Array.prototype.forEach.call(document.querySelectorAll("[data-read-count]"), function (zone) {
      var node = zone.getAttribute("data-read-count") === event.code && readCountElement(zone);
      if (node) {
        node.textContent = value;
      }
    });
  }

  function handle(event) {
    if (event.type === "unread_count") {
      // The first count after (re)connecting is the state to start from: a rise means
      // messages arrived while the page wasn't listening.
      if (awaitingState && event.unread_count > unread && isInbox()) {
        showRefreshNotice();
      }
      awaitingState = false;
      delay = FIRST_DELAY_MS;
      document.documentElement.setAttribute("data-live", "connected");
      setUnread(event.unread_count);
    } else if (event.type === "message" && event.op === "received") {
      messageReceived(event);
    } else if (event.type === "message" && event.op === "read") {
      messageRead(event);
    }
  }

  function connect() {
    timer = null;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + text.socketPath);
    awaitingState = true;
    socket.onmessage = function (message) {
      var event;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      handle(event);
    };
    socket.onclose = function (close) {
      socket = null;
      document.documentElement.setAttribute("data-live", "disconnected");
      if (stopped || close.code === CLOSE_UNAUTHENTICATED) {
        // Signed out or session over: the next page load shows the login page.
        return;
      }
      // Back off (1 s, 2 s, 4 s… up to a minute), with jitter so that a restarted server
      // isn't hit by every page at once.
      timer = window.setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
  }

  // An open socket keeps the page out of the back/forward cache: close it when leaving.
  window.addEventListener("pagehide", function () {
    stopped = true;
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
    if (socket) {
      socket.close();
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      stopped = false;
      connect();
    }
  });

  connect();
})();
