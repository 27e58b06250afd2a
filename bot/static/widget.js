/*
 * Borgerguide chat widget. One script tag on any page:
 *   <script src="https://borgerguide.example/widget.js" data-kommune="aarhus" defer></script>
 * adds a chat button and panel inside a Shadow DOM (styles isolated from the
 * host page). No framework, no cookies, no third parties: it talks only to the
 * Borgerguide service it was loaded from. Citizen and bot text is always
 * inserted as text (textContent), links only when plain https links (safeUrl).
 *
 * The conversation's messages come with the server's ids (their position in
 * the conversation): the widget keeps a cursor (how far it has read) and adds
 * each message once, in order, whether it came with the answer to the
 * citizen's message or from polling (staff replies), also across reloads.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var BASE = new URL(script.src).origin;
  var KOMMUNE = script.getAttribute("data-kommune") || undefined;
  var STORE = "borgerguide-" + (KOMMUNE || "default");
  var HUMAN = "/request_human";
  // The widget's words in every language (content/lang/<code>/widget.yml), put in by the service.
  var I18N = /*I18N*/{"languages": [], "default": "da", "texts": {}}/*I18N*/;
  // The conversation's id and secret come from the service with the first answer and are kept in this
  // tab only (sessionStorage): they are what makes the conversation this browser's.
  var state = JSON.parse(sessionStorage.getItem(STORE) || "null") || {
    sender: null, token: null, log: [], open: false, cursor: 0, handoff: null, pending: []
  };
  function save() { sessionStorage.setItem(STORE, JSON.stringify(state)); }
  // The conversation's language: the citizen's choice in the header, or what the service says it is.
  function known(code) { return I18N.languages.some(function (l) { return l.code === code; }); }
  if (!known(state.lang)) state.lang = I18N.default;
  function language(code) {
    return I18N.languages.filter(function (l) { return l.code === code; })[0] || {code: code, dir: "ltr"};
  }
  function t(key, values) {
    var text = (I18N.texts[state.lang] || {})[key];
    if (text === undefined) text = (I18N.texts[I18N.default] || {})[key];
    if (text === undefined) text = key;
    return String(text).replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : all; });
  }

  var host = document.createElement("div");
  host.id = "borgerguide-widget";
  var root = host.attachShadow({mode: "open"});
  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = BASE + "/static/widget/widget.css";
  root.appendChild(style);

  var launcher = el("button", "launcher", t("launcher"));
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "bg-panel");
  var panel = el("section", "panel");
  panel.id = "bg-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", t("launcher"));
  panel.hidden = true;
  var header = el("div", "header");
  var title = el("h2", "title", t("title"));
  var restart = el("button", "small", t("restart"));
  restart.type = "button";
  var close = el("button", "small", t("close"));
  close.type = "button";
  close.setAttribute("aria-label", t("close_label"));
  var chooser = el("select", "language");
  chooser.id = "bg-language";
  var chooserLabel = el("label", "visually-hidden", t("language_label"));
  chooserLabel.htmlFor = "bg-language";
  I18N.languages.forEach(function (l) {
    var option = el("option", null, l.name);  // each language in its own name
    option.value = l.code; option.lang = l.code; option.dir = l.dir;
    chooser.appendChild(option);
  });
  chooser.value = state.lang;
  chooser.hidden = I18N.languages.length < 2;
  header.append(title, chooserLabel, chooser, restart, close);
  var log = el("div", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", t("log_label"));
  var entries = el("div", "entries");
  var extras = el("div", "extras");  // the callback and rating forms: kept when messages arrive
  var typing = el("p", "msg typing");
  typing.hidden = true;
  var waiting = el("div", "waiting");  // the citizen's messages in line, sent after the answer
  log.append(entries, extras, typing, waiting);
  var status = el("p", "status");
  status.setAttribute("role", "status");
  var form = el("form", "form");
  var label = el("label", "visually-hidden", t("input_label"));
  label.htmlFor = "bg-input";
  var input = el("input", "input");
  input.id = "bg-input";
  input.maxLength = 2000;
  input.autocomplete = "off";
  input.placeholder = t("placeholder");
  var send = el("button", "send", t("send"));
  send.type = "submit";
  form.append(label, input, send);
  var banner = el("p", "banner");
  banner.setAttribute("role", "note");
  banner.hidden = true;
  var footer = el("div", "footer");
  var rateButton = el("button", "link", t("rate"));
  rateButton.type = "button";
  var saveButton = el("button", "link", t("save"));
  saveButton.type = "button";
  var dataButton = el("button", "link", t("data"));
  dataButton.type = "button";
  footer.append(rateButton, saveButton, dataButton);
  panel.append(header, banner, status, log, form, footer);
  root.append(launcher, panel);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }
  // Only a plain https link, read the same by every parser (borgerguide/links.py checks the same on the
  // server): https://, a host of a-z, 0-9, "-" and "." (no punycode), no user, port, backslash, space or
  // invisible character.
  function safeUrl(url) {
    if (typeof url !== "string" || url.length > 2000 || !/^https:\/\//i.test(url) || url.indexOf("\\") >= 0 ||
        /[\s\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/.test(url)) return null;
    var host = url.slice(8).split(/[\/?#]/)[0].toLowerCase();
    if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host) || /(^|\.)xn--/.test(host)) return null;
    try { var u = new URL(url); return u.protocol === "https:" && u.hostname === host && !u.port && !u.username ? u.href : null; }
    catch (e) { return null; }
  }
  function telLink(cls, text, phone) {
    var digits = String(phone || "").replace(/[^+0-9]/g, "");
    if (!/[0-9]{3,}/.test(digits)) return null;
    var a = el("a", cls, text);
    a.href = "tel:" + digits;
    return a;
  }
  function custom(m) { return m && m.custom && typeof m.custom === "object" ? m.custom : null; }

  // --- drawing -------------------------------------------------------------------
  // Buttons stay under every bot message of the latest bot turn (the messages
  // after the citizen's last one); the acute help keeps its own button always.
  function quickButtons(buttons, skip) {
    var wrap = el("div", "buttons");
    buttons.forEach(function (b) {
      if (!b || typeof b.payload !== "string" || (skip && b.payload === skip)) return;
      var btn = el("button", "quick", b.title || b.payload);
      btn.type = "button";
      btn.setAttribute("data-payload", b.payload);
      btn.addEventListener("click", function () { ask({payload: b.payload}, b.title || ""); });
      wrap.appendChild(btn);
    });
    return wrap.childNodes.length ? wrap : null;
  }
  function drawUser(entry) {
    var p = el("p", "msg user", entry.text);
    if (entry.state === "queued") p.appendChild(el("span", "note", t("queued")));
    if (entry.state === "failed") {
      p.appendChild(el("span", "note", t("not_sent")));
      var again = el("button", "again", t("send_again"));
      again.type = "button";
      again.addEventListener("click", function () {
        entry.state = null; save(); redraw();
        enqueue(entry.body || {message: entry.text}, entry);
      });
      p.appendChild(again);
    }
    return [p];
  }
  function drawBot(entry, live) {
    var m = entry.message || {}, c = custom(m), nodes = [];
    if (m.text) {
      var p = el("p", "msg bot" + (m.staff ? " staff" : ""), (m.staff ? t("staff_prefix") : "") + m.text);
      if (m.lang && known(m.lang)) { p.lang = m.lang; p.dir = language(m.lang).dir; }
      nodes.push(p);
    }
    if (c && (c.type === "solution" || c.type === "referral")) {
      var box = card(c);
      if (m.lang && known(m.lang)) { box.lang = m.lang; box.dir = language(m.lang).dir; }
      nodes.push(box);
    }
    if (c && c.type === "notice" && c.text) nodes.push(el("p", "notice", c.text));
    if (c && c.type === "acute") nodes.push(acute(c));
    if (c && c.type === "answer" && safeUrl(c.source)) {  // where the answer's facts come from
      var source = el("a", "source", t("source", {title: c.source_title || new URL(c.source).hostname}));
      source.href = safeUrl(c.source); source.target = "_blank"; source.rel = "noopener noreferrer";
      nodes.push(source);
    }
    if (live && Array.isArray(m.buttons) && m.buttons.length) {
      var wrap = quickButtons(m.buttons, c && c.type === "acute" ? HUMAN : null);
      if (wrap) { wrap.classList.add("live"); nodes.push(wrap); }
    }
    return nodes;
  }
  // A solution card, or a referral card (another authority handles it: who,
  // its page and, where known, its phone).
  function card(c) {
    var referral = c.type === "referral";
    var box = el("div", referral ? "card referral" : "card");
    box.appendChild(el("h3", "card-title", c.title));
    if (referral) box.appendChild(el("p", "authority", t("handled_by", {name: c.authority_name || c.authority})));
    var ol = el("ol", "steps");
    (Array.isArray(c.steps) ? c.steps : []).forEach(function (s) { ol.appendChild(el("li", null, s)); });
    box.appendChild(ol);
    var url = safeUrl(c.url);
    if (url) {
      var a = el("a", "go", c.page_title || (referral ? t("go_to", {name: c.authority_name || t("go_to_page")}) : t("go_to_self_service")));
      a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
      var answer = referral ? c.topic : c.solution_id;
      a.addEventListener("click", function () { clicked(answer, url); });
      box.appendChild(a);
    }
    if (referral && c.phone) {
      var tel = telLink("phone", t("call", {phone: c.phone}), c.phone);
      if (tel) box.appendChild(tel);
    }
    if (c.danish_only) box.appendChild(el("p", "note", t("danish_only")));
    if (c.login && c.login !== "Ingen") box.appendChild(el("p", "login", t("login", {login: c.login})));
    return box;
  }
  // Acute help: every number a big tap-to-call link, the way to a person always there.
  function acute(c) {
    var box = el("div", "acute");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", t("acute_label"));
    box.appendChild(el("h3", "card-title", t("acute_title")));
    var lines = Array.isArray(c.lines) ? c.lines : [];
    var has112 = lines.some(function (l) { return l && String(l.phone || "").replace(/[^0-9]/g, "") === "112"; });
    if (!has112) box.appendChild(telLink("call emergency", t("acute_112"), "112"));  // never without it
    lines.forEach(function (line) {
      if (!line || typeof line !== "object") return;
      var emergency = String(line.phone || "").replace(/[^0-9]/g, "") === "112";
      var tel = telLink(emergency ? "call emergency" : "call", (line.name ? line.name + ": " + (line.phone || "") : t("call_line", {phone: line.phone || ""})),
                        line.phone);
      if (!tel) { if (line.name) box.appendChild(el("p", "call-text", line.name)); return; }
      box.appendChild(tel);
      if (line.when) box.appendChild(el("p", "when", String(line.when)));
    });
    [c.local, c.national].forEach(function (line) {  // the kommune's own line; the national one where it has none
      if (!line || typeof line !== "object" || !line.name) return;
      var own = telLink("call", line.name + ": " + (line.phone || ""), line.phone);
      box.appendChild(own || el("p", "call-text", line.name));
      if (own && line.when) box.appendChild(el("p", "when", String(line.when)));
    });
    var human = el("button", "quick human", t("human_now"));
    human.type = "button";
    human.addEventListener("click", function () { ask({payload: HUMAN}, t("human_now")); });
    box.appendChild(human);
    return box;
  }
  function lastUser() {
    var at = -1;
    state.log.forEach(function (e, i) { if (e.kind === "user") at = i; });
    return at;
  }
  function redraw() {
    entries.textContent = "";
    var after = lastUser();
    state.log.forEach(function (e, i) {
      (e.kind === "user" ? drawUser(e) : drawBot(e, i > after)).forEach(function (n) { entries.appendChild(n); });
    });
    oneHumanButton();
  }
  // The acute help has its own "Tal med en medarbejder nu": not a second one beside it.
  function oneHumanButton() {
    var turn = [], nodes = entries.children;
    for (var i = nodes.length - 1; i >= 0 && !nodes[i].classList.contains("user"); i--) turn.push(nodes[i]);
    if (!turn.some(function (n) { return n.classList.contains("acute"); })) return;
    turn.forEach(function (n) {
      if (!n.classList.contains("buttons")) return;
      n.querySelectorAll('.quick[data-payload="' + HUMAN + '"]').forEach(function (b) { b.remove(); });
      if (!n.children.length) n.remove();
    });
  }
  // New entries: drawn at the end; a citizen's message ends the previous turn's buttons.
  function add(entry) {
    state.log.push(entry);
    if (state.log.length > 200) { state.log.shift(); }
    save();
    if (entry.kind === "user") entries.querySelectorAll(".buttons.live").forEach(function (b) { b.remove(); });
    var nodes = entry.kind === "user" ? drawUser(entry) : drawBot(entry, true);
    nodes.forEach(function (n) { entries.appendChild(n); });
    return nodes[0];
  }
  // Shows the start of what is new: all of it if it fits, else its first
  // message at the top (a long answer is read from its title, not its end).
  function reveal(first) {
    if (!first) return;
    var room = log.clientHeight;
    var height = log.scrollHeight - first.offsetTop;
    log.scrollTop = height <= room ? log.scrollHeight : first.offsetTop - 8;
  }

  // --- the conversation's messages, by id ------------------------------------------
  function same(a, b) {
    return (a.text || "") === (b.text || "") && JSON.stringify(a.custom || null) === JSON.stringify(b.custom || null);
  }
  // Messages from the server with their ids: each is added once, in order.
  function receive(messages, cursor) {
    var first = null;
    (messages || []).forEach(function (m) {
      if (typeof m.id !== "number" || m.id < state.cursor) return;
      // shown already from an answer whose ids were not known (see `fallback`)
      var known = state.log.filter(function (e) { return e.unconfirmed && same(e.message, m); })[0];
      state.cursor = m.id + 1;
      if (known) { delete known.unconfirmed; known.message = m; return; }
      var node = add({kind: "bot", message: m});
      first = first || node;
    });
    if (typeof cursor === "number" && cursor > state.cursor) state.cursor = cursor;
    save();
    oneHumanButton();
    reveal(first);
  }
  function fallback(messages) {
    var first = null;
    (messages || []).forEach(function (m) {
      var node = add({kind: "bot", message: m, unconfirmed: true});
      first = first || node;
    });
    oneHumanButton();
    reveal(first);
  }
  // the widget's own message (the welcome), in the language it was written in
  function local(text) { reveal(add({kind: "bot", message: {text: text, lang: state.lang}})); }

  // --- the hand-off --------------------------------------------------------------
  function showHandoff(h) {
    var had = state.handoff;
    state.handoff = h || null; save();
    if (!h) {
      status.textContent = "";
      var gone = extras.querySelector(".callback");
      if (gone) gone.remove();
      if (had) graceUntil = Date.now() + 15000;  // the closing message may come just after
      return;
    }
    var when = h.callback_time ? " (" + h.callback_time.charAt(0).toLowerCase() + h.callback_time.slice(1) + ")" : "";
    if (h.status === "claimed" && h.chatting) {
      status.textContent = t("status_chatting");
    } else if (h.callback_requested) {
      status.textContent = t(h.status === "claimed" ? "status_claimed_callback" : "status_callback", {when: when});
    } else if (h.status === "claimed") {
      status.textContent = t("status_claimed");
    } else if (h.mode === "live") {
      status.textContent = t("status_queue", {position: h.position, minutes: h.estimate_minutes});
    } else {
      status.textContent = t("status_offer_callback");
    }
    var existing = extras.querySelector(".callback");
    if (h.offer_callback && !h.callback_requested && !existing) callbackForm(h);
    if (h.callback_requested && existing) existing.remove();
  }
  function callbackForm(h) {
    var f = el("form", "callback");
    f.appendChild(el("p", null, t("callback_intro")));
    var pl = el("label", null, t("callback_phone")); var phone = el("input"); phone.id = "bg-phone"; phone.type = "tel"; pl.htmlFor = "bg-phone";
    phone.autocomplete = "tel";
    var nl = el("label", null, t("callback_name")); var name = el("input"); name.id = "bg-name"; name.autocomplete = "name"; nl.htmlFor = "bg-name";
    var tl = el("label", null, t("callback_when")); var when = el("input"); when.id = "bg-when"; tl.htmlFor = "bg-when";
    var cl = el("label", "consent"); var consent = el("input"); consent.type = "checkbox"; consent.id = "bg-consent";
    cl.append(consent, document.createTextNode(" " + t("callback_consent")));
    var problem = el("p", "problem"); problem.setAttribute("role", "alert");
    var ok = el("button", "send", t("callback_send")); ok.type = "submit";
    f.append(pl, phone, nl, name, tl, when, cl, problem, ok);
    extras.appendChild(f);
    // the form in view: whole if it fits, else from its start
    var room = log.clientHeight;
    log.scrollTop = f.offsetHeight + 16 <= room ? f.offsetTop + f.offsetHeight + 8 - room : f.offsetTop - 8;
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      ok.disabled = true;
      post("/api/chat/callback", {sender: state.sender, token: state.token, escalation_id: h.escalation_id,
                                  phone: phone.value, name: name.value, time: when.value, consent: consent.checked})
        .then(function (d) {
          ok.disabled = false;
          if (d.error) { problem.textContent = d.error; return; }
          f.remove();
          if (!d.told) local(d.message);  // else the confirmation comes with the conversation's messages
          poll();
        }).catch(function () { ok.disabled = false; problem.textContent = t("failed"); });
    });
  }

  // --- talking to the service ------------------------------------------------------
  var polling = null, graceUntil = 0, pollBusy = false;
  function poll() {
    if (!state.token || pollBusy) return;
    pollBusy = true;
    fetch(BASE + "/api/chat/messages?sender=" + encodeURIComponent(state.sender) + "&token=" +
          encodeURIComponent(state.token) + "&cursor=" + state.cursor)
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.new_conversation && polling) { clearInterval(polling); polling = null; }  // no longer known here
        if (d.error) return;
        receive(d.messages, d.cursor);
        showHandoff(d.handoff);
        keepPolling();
      }).catch(function () {}).then(function () { pollBusy = false; });
  }
  // While a hand-off is open (and a little after), every second: a staff
  // reply is on screen within about two seconds.
  function keepPolling() {
    var wanted = state.handoff || Date.now() < graceUntil;
    if (wanted && !polling) polling = setInterval(poll, 1000);
    if (!wanted && polling) { clearInterval(polling); polling = null; }
  }
  // The self-service link was opened: counted by the service (no person, no
  // conversation kept with it); keepalive lets it go out while the page moves on.
  function clicked(answer, url) {
    if (!state.token || typeof answer !== "string" || !answer) return;
    try {
      fetch(BASE + "/api/chat/click", {method: "POST", keepalive: true, headers: {"Content-Type": "application/json"},
            body: JSON.stringify({sender: state.sender, token: state.token, area: answer, url: url})})
        .catch(function () {});
    } catch (e) { /* counting is never in the citizen's way */ }
  }
  function post(path, body) {
    return fetch(BASE + path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json(); });
  }

  // What the citizen sends goes out one at a time, in order; what is typed
  // while the bot answers waits in line (and says so), nothing is dropped.
  var queue = [], inFlight = false;
  function setBusy(busy) {
    send.setAttribute("aria-busy", String(busy));
    send.classList.toggle("busy", busy);
    typing.textContent = state.handoff && (state.handoff.mode === "live" || state.handoff.chatting)
      ? t("busy_staff") : t("busy_bot");
    typing.hidden = !busy;
    if (busy) log.scrollTop = log.scrollHeight;
  }
  function ask(body, shown) {
    var entry = {kind: "user", text: shown, body: body};
    if (inFlight || queue.length) {  // in line: shown below, moved into the conversation when it is sent
      entry.state = "queued";
      state.pending.push(entry); save(); drawWaiting();
    } else { add(entry); }
    log.scrollTop = log.scrollHeight;
    return enqueue(body, entry);
  }
  function drawWaiting() {
    waiting.textContent = "";
    state.pending.forEach(function (e) { waiting.appendChild(drawUser(e)[0]); });
  }
  function enqueue(body, entry) {
    return new Promise(function (done) { queue.push({body: body, entry: entry, done: done}); pump(); });
  }
  function pump() {
    if (inFlight || !queue.length) return;
    var item = queue.shift();
    inFlight = true;
    if (item.entry.state === "queued") {
      delete item.entry.state;
      state.pending = state.pending.filter(function (e) { return e !== item.entry; });
      drawWaiting();
      add(item.entry);
    }
    setBusy(true);
    var body = Object.assign({}, item.body, {kommune: KOMMUNE, cursor: state.cursor});
    if (state.langChosen) body.lang = state.lang;
    if (state.token) { body.sender = state.sender; body.token = state.token; }
    post("/api/chat", body).then(function (d) {
      if (d.new_conversation && !item.again) {  // the service no longer knows it (e.g. erased): start anew
        state.sender = null; state.token = null; state.cursor = 0; save();
        queue.unshift({body: item.body, entry: item.entry, done: item.done, again: true});
        return "again";
      }
      if (d.error) { local(d.error); return; }
      if (d.token) { state.token = d.token; state.sender = d.sender; }
      if (d.lang && known(d.lang) && d.lang !== state.lang) setLanguage(d.lang, false);  // the words said another
      if (d.lang) {
        (d.feed || []).forEach(function (m) { if (!m.lang) m.lang = d.lang; });
        (d.messages || []).forEach(function (m) { if (!m.lang) m.lang = d.lang; });
      }
      (d.messages || []).forEach(function (m) {
        var c = custom(m);
        if (c && c.type === "solution") state.area = c.solution_id;
        if (c && c.type === "referral") state.area = c.topic;
      });
      delete item.entry.body; save();
      if (Array.isArray(d.feed)) receive(d.feed, d.cursor); else fallback(d.messages);
      showHandoff(d.handoff);
      keepPolling();
    }).catch(function () {
      item.entry.state = "failed"; save(); redraw();
      local(t("unavailable"));
    }).then(function (result) {
      inFlight = false;
      setBusy(queue.length > 0);
      if (result !== "again") item.done();
      pump();
    });
  }

  // Operational notices for the kommune, as a banner.
  function loadNotices() {
    fetch(BASE + "/api/chat/notices" + (KOMMUNE ? "?kommune=" + encodeURIComponent(KOMMUNE) : ""))
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var texts = (d.notices || []).map(function (n) { return n.text; });
        banner.textContent = texts.join(" · ");
        banner.hidden = !texts.length;
      }).catch(function () {});
  }

  // Satisfaction: 1-5 and an optional comment.
  function ratingForm() {
    if (root.querySelector(".rating")) return;
    var f = el("form", "rating");
    var fs = el("fieldset"); fs.appendChild(el("legend", null, t("rating_legend")));
    var row = el("div", "scores");
    [1, 2, 3, 4, 5].forEach(function (n) {
      var l = el("label", "score"); var r = el("input"); r.type = "radio"; r.name = "score"; r.value = String(n);
      l.append(r, document.createTextNode(" " + n)); row.appendChild(l);
    });
    fs.appendChild(row); f.appendChild(fs);
    var cl = el("label", null, t("rating_comment")); var c = el("textarea"); c.id = "bg-comment"; c.maxLength = 1000; cl.htmlFor = "bg-comment";
    var ok = el("button", "send", t("rating_send")); ok.type = "submit";
    f.append(cl, c, ok);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = f.querySelector("input[name=score]:checked");
      if (!chosen) { status.textContent = t("rating_choose"); return; }
      if (!state.token) { status.textContent = t("write_first"); return; }
      post("/api/chat/rating", {sender: state.sender, token: state.token, score: Number(chosen.value),
                                comment: c.value, area: state.area})
        .then(function (d) { status.textContent = d.error || d.message; if (!d.error) f.remove(); });
    });
    extras.appendChild(f);
    f.scrollIntoView({block: "nearest"});
    f.querySelector("input").focus();
  }

  // The transcript as a plain text file the citizen can keep.
  function download() {
    var lines = state.log.map(function (e) {
      if (e.kind === "user") return t("transcript_you") + e.text;
      var m = e.message || {}, c = custom(m), parts = [];
      if (m.text) parts.push((m.staff ? t("transcript_staff") : t("transcript_bot")) + m.text);
      if (c && (c.type === "solution" || c.type === "referral")) {
        parts.push(c.title + (c.url ? " (" + c.url + ")" : "") + (c.phone ? ", tlf. " + c.phone : ""));
        (c.steps || []).forEach(function (s, i) { parts.push("  " + (i + 1) + ". " + s); });
      }
      if (c && c.type === "acute") {
        (Array.isArray(c.lines) ? c.lines : []).concat(c.local ? [c.local] : []).forEach(function (l) {
          if (l && l.name) parts.push("  " + l.name + (l.phone ? ": " + l.phone : "") + (l.when ? " (" + l.when + ")" : ""));
        });
      }
      return parts.join("\n");
    }).filter(Boolean);
    var head = t("transcript_head") + "\n\n";
    var blob = new Blob([head + lines.join("\n") + "\n"], {type: "text/plain;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "borgerguide-samtale.txt";
    root.appendChild(a); a.click(); a.remove();
  }
  // "Dine data": a copy of the conversation or its erasure, asked for from this conversation (its secret);
  // the kommune's administrator carries it out, the citizen gets a number to refer to.
  function dataForm() {
    if (root.querySelector(".data-request")) return;
    if (!state.token) { status.textContent = t("write_first"); return; }
    var f = el("form", "data-request");
    var fs = el("fieldset"); fs.appendChild(el("legend", null, t("data_legend")));
    [["export", t("data_export")], ["erase", t("data_erase")]].forEach(function (choice) {
      var l = el("label", "score"); var r = el("input"); r.type = "radio"; r.name = "kind"; r.value = choice[0];
      l.append(r, document.createTextNode(" " + choice[1])); fs.appendChild(l);
    });
    var ok = el("button", "send", t("data_send")); ok.type = "submit";
    f.append(fs, ok);
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = f.querySelector("input[name=kind]:checked");
      if (!chosen) { status.textContent = t("data_choose"); return; }
      post("/api/chat/data-request", {sender: state.sender, token: state.token, kind: chosen.value})
        .then(function (d) {
          status.textContent = d.error || d.message;
          if (!d.error) { f.remove(); remember({kind: "bot", message: {text: d.message}}); redraw(); }
        });
    });
    log.appendChild(f);
    f.querySelector("input").focus();
  }
  rateButton.addEventListener("click", ratingForm);
  saveButton.addEventListener("click", download);
  dataButton.addEventListener("click", dataForm);

  function setOpen(open) {
    state.open = open; save();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    host.classList.toggle("open", open);
    if (open) {
      if (!state.log.length) local(t("welcome"));
      input.focus();
    } else { launcher.focus(); }
  }
  // The widget's own words and direction in the conversation's language; the
  // messages keep the language they were written in.
  function retext() {
    var lang = language(state.lang);
    panel.lang = state.lang; panel.dir = lang.dir; launcher.lang = state.lang;
    launcher.textContent = t("launcher");
    panel.setAttribute("aria-label", t("launcher"));
    title.textContent = t("title");
    chooserLabel.textContent = t("language_label");
    chooser.value = state.lang;
    restart.textContent = t("restart");
    close.textContent = t("close");
    close.setAttribute("aria-label", t("close_label"));
    log.setAttribute("aria-label", t("log_label"));
    label.textContent = t("input_label");
    input.placeholder = t("placeholder");
    send.textContent = t("send");
    rateButton.textContent = t("rate");
    saveButton.textContent = t("save");
    dataButton.textContent = t("data");
    redraw(); drawWaiting(); showHandoff(state.handoff);
  }
  // chosen: the citizen picked it (sent with every message); otherwise the
  // service said the conversation is in it (the words), and the choice is dropped
  function setLanguage(code, chosen) {
    state.lang = code; state.langChosen = Boolean(chosen); save(); retext();
  }
  chooser.addEventListener("change", function () {
    setLanguage(chooser.value, true);
    if (!state.log.length || state.log.every(function (e) { return e.kind !== "user"; })) {
      state.log = []; save(); redraw(); local(t("welcome"));
    }
  });
  launcher.addEventListener("click", function () { setOpen(!state.open); });
  close.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  restart.addEventListener("click", function () {
    ask({message: t("restart_message")}, t("restart")).then(function () {
      state.log = state.log.slice(-4); save(); redraw(); input.focus(); });
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask({message: text}, text);
  });

  document.body.appendChild(host);
  // what was in line before a reload is sent now
  state.pending = Array.isArray(state.pending) ? state.pending : [];
  state.pending.forEach(function (e) { enqueue(e.body || {message: e.text}, e); });
  drawWaiting();
  if (typeof state.cursor !== "number") state.cursor = null;
  retext();
  loadNotices();
  if (state.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); host.classList.add("open"); }
  else if (script.getAttribute("data-open") === "true" && !state.log.length) { setOpen(true); }
  if (state.token) {
    if (state.cursor === null) {  // a conversation from before cursors: everything so far has been shown
      state.cursor = 1e9;
      fetch(BASE + "/api/chat/messages?sender=" + encodeURIComponent(state.sender) + "&token=" +
            encodeURIComponent(state.token) + "&cursor=" + state.cursor)
        .then(function (r) { return r.json(); })
        .then(function (d) { if (typeof d.cursor === "number") { state.cursor = d.cursor; save(); poll(); } });
    } else { poll(); }
  } else if (state.cursor === null) { state.cursor = 0; }
  window.Borgerguide = {open: function () { setOpen(true); }};
})();
