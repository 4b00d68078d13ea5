// Live preview: on each "change" event from the server, fetch the new state and
// redraw the problems and page images. No personal data is ever handled here.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) { return; }
  var busy = false, again = false;

  function item(p) {
    var li = document.createElement("li");
    li.className = p.severity;
    var code = document.createElement("code");
    code.textContent = p.where;
    li.appendChild(code);
    li.appendChild(document.createTextNode(" "));
    if (p.field) {
      var strong = document.createElement("strong");
      strong.textContent = p.field;
      li.appendChild(strong);
      li.appendChild(document.createTextNode(": "));
    }
    li.appendChild(document.createTextNode(p.message));
    return li;
  }

  function apply(state) {
    var list = document.getElementById("problems");
    list.replaceChildren.apply(list, state.problems.length ? state.problems.map(item) : [(function () {
      var li = document.createElement("li"); li.className = "none"; li.textContent = "No problems found."; return li;
    })()]);
    // The server's sentence (preview.live_status), the same the page was first sent
    // with: one rule, so errors in other versions never fail the shown one here.
    document.getElementById("status").textContent = state.status;
    if (state.version !== root.dataset.version) {
      var pages = document.getElementById("pages");
      pages.replaceChildren.apply(pages, state.images.map(function (src, i) {
        var img = document.createElement("img");
        img.className = "page"; img.src = src;
        img.alt = "Page " + (i + 1) + " of " + state.images.length;
        return img;
      }));
      root.dataset.version = state.version;
    }
    root.dataset.updated = String(Date.now());
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(root.dataset.stateUrl, {cache: "no-store", credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(apply)
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  // One event stream per visible tab: a browser opens at most six connections to one
  // server, so streams of hidden tabs are closed (and the page catches up when shown).
  var events = null;
  function connect() {
    if (events || document.visibilityState === "hidden") { return; }
    events = new EventSource(root.dataset.eventsUrl);
    events.addEventListener("change", function (e) { root.dataset.generation = e.data; refresh(); });
    events.addEventListener("hello", function (e) {
      // A change made while this tab had no stream: catch up.
      if (e.data !== root.dataset.generation) { root.dataset.generation = e.data; refresh(); }
    });
    events.addEventListener("open", function () { root.dataset.connected = "1"; });
  }
  function disconnect() {
    if (events) { events.close(); events = null; root.dataset.connected = ""; }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { disconnect(); } else { connect(); }
  });
  window.addEventListener("pagehide", disconnect);
  connect();
})();
