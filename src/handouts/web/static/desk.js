// The front desk's forms (a handout's copy, the home program's basket): send the
// client's details with fetch() and show the answer in the page. No navigation holds
// the POST body, so nothing typed here ends up in the browser's history or
// session-restore files; the PDF is fetched from a short-lived address that names nobody.
// Without this script the forms still work (they post).
(function () {
  "use strict";
  var form = document.getElementById("copy-form") || document.getElementById("program-form");
  if (!form || !window.fetch) { return; }
  var result = document.getElementById("result");
  var statusLine = document.getElementById("result-status");
  var problemsBox = document.getElementById("result-problems");
  var pagesBox = document.getElementById("result-pages");
  var placeholder = document.getElementById("result-placeholder");
  var frame = document.getElementById("print-frame");
  var itemsBox = document.getElementById("basket-items");
  var recordBox = document.getElementById("record-box");
  var record = document.getElementById("record");
  var copyButton = document.getElementById("copy-record");
  var copyStatus = document.getElementById("copy-status");

  // A language not ready for the chosen location yet (its opening hours, say, are not
  // translated) is taken off the list while that location is chosen; its option says
  // which locations in data-off. Without this script the server says so at submit.
  var placeSelect = document.getElementById("location");
  var languageSelect = document.getElementById("language");
  function syncLanguages() {
    if (!placeSelect || !languageSelect) { return; }
    var chosen = placeSelect.value;
    Array.prototype.forEach.call(languageSelect.options, function (option) {
      var off = (option.getAttribute("data-off") || "").split(" ");
      option.disabled = Boolean(chosen) && off.indexOf(chosen) >= 0;
    });
    var selected = languageSelect.options[languageSelect.selectedIndex];
    if (selected && selected.disabled) {
      var usable = Array.prototype.filter.call(languageSelect.options,
        function (option) { return !option.disabled; });
      if (usable.length) { languageSelect.value = usable[0].value; }
    }
  }
  if (placeSelect && languageSelect) {
    placeSelect.addEventListener("change", syncLanguages);
    syncLanguages();
  }

  function setBusy(busy) {
    result.setAttribute("aria-busy", busy ? "true" : "false");
    // Looked up each time: the basket's buttons are replaced after every edit.
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = busy; });
  }

  function clearFieldErrors() {
    form.querySelectorAll("[aria-invalid], [aria-describedby]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      var described = (input.getAttribute("aria-describedby") || "").split(" ")
        .filter(function (id) { return id && id !== input.id + "-error"; });
      if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); }
      else { input.removeAttribute("aria-describedby"); }
    });
    form.querySelectorAll(".field-error").forEach(function (error) {
      error.hidden = true;
      error.textContent = "";
    });
  }

  // A warning is shown beside its field too, but leaves it valid: the PDF is made.
  function showFieldError(key, message, refused) {
    var input = document.getElementById(key);
    if (!input || !form.contains(input)) { return false; }
    var error = document.getElementById(key + "-error");
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = key + "-error";
      input.insertAdjacentElement("afterend", error);
    }
    error.textContent = message;
    error.hidden = false;
    // A basket item's handout is named by its legend: the message goes below it.
    if (!/^(INPUT|SELECT|TEXTAREA)$/.test(input.tagName)) { return true; }
    if (refused) { input.setAttribute("aria-invalid", "true"); }
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(key + "-error");
    input.setAttribute("aria-describedby", described.join(" "));
    return true;
  }

  function showProblems(problems) {
    problemsBox.replaceChildren();
    if (!problems.length) { return; }
    var box = document.createElement("section");
    box.className = "problems";
    box.id = "problems-box";
    box.tabIndex = -1;
    box.setAttribute("aria-labelledby", "problems-title");
    var h = document.createElement("h2");
    h.id = "problems-title";
    var refused = problems.some(function (p) { return p.severity === "error"; });
    var one = problems.length === 1;
    h.textContent = refused ? (one ? "Please fix this first" : "Please fix these first")
      : (one ? "Please check this (the PDF is made as it is)"
        : "Please check these (the PDF is made as it is)");
    if (!refused) { box.className = "problems notices"; }
    var ul = document.createElement("ul");
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.className = p.severity;
      if (p.field && showFieldError(p.field, p.message, p.severity === "error")) {
        var a = document.createElement("a");
        a.href = "#" + p.field;
        a.textContent = p.label || p.field;
        li.appendChild(a);
        li.appendChild(document.createTextNode(": " + p.message));
      } else {
        if (p.where) {
          var code = document.createElement("code");
          code.textContent = p.where;
          li.appendChild(code);
          li.appendChild(document.createTextNode(" "));
        }
        li.appendChild(document.createTextNode(p.message));
      }
      ul.appendChild(li);
    });
    box.appendChild(h);
    box.appendChild(ul);
    problemsBox.appendChild(box);
  }

  function announce(text) {
    statusLine.textContent = "";
    // A fresh text each time, so a screen reader reads it even when it repeats.
    window.setTimeout(function () { statusLine.textContent = text; }, 50);
  }

  function send(url, retried, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    return fetch(url, {method: "POST", body: data, credentials: "same-origin",
                       cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().catch(function () { return {ok: false, problems: [
          {severity: "error", message: "The server did not answer properly (" +
           response.status + "). Please try again."}]}; })
          .then(function (body) {
            if (response.status === 403 && body.expired && !retried) {
              // The server restarted or the session ended: take the fresh token and
              // send again, so nothing typed is lost.
              form.querySelector("input[name=csrf_token]").value = body.csrf;
              return send(url, true, submitter);
            }
            refreshChoices(body.choices);
            return body;
          });
      });
  }

  function clearResult() {
    // What an earlier answer showed (another client's pages, its record) must not stay
    // on screen, or be copied, under this answer's problems.
    pagesBox.replaceChildren();
    placeholder.hidden = false;
    if (recordBox) {
      record.value = "";
      recordBox.hidden = true;
      copyButton.hidden = true;
      copyStatus.textContent = "";
    }
  }

  function failed(body) {
    clearResult();
    showProblems(body.problems || []);
    var box = document.getElementById("problems-box");
    announce((body.problems || []).length === 1 ? "1 problem to fix" :
             (body.problems || []).length + " problems to fix");
    (box || result).focus();
  }

  function showRecord(body) {
    // The paragraph for the client's file (what was given, no name): a named copy's
    // or a home program's.
    if (!recordBox || !body.record) { return; }
    record.value = body.record;
    recordBox.hidden = false;
    copyButton.hidden = false;
    copyStatus.textContent = "";
  }

  if (copyButton) {
    copyButton.hidden = !record.value;
    copyButton.addEventListener("click", function () {
      function done() { copyStatus.textContent = "Copied"; }
      function fallback() {
        record.focus();
        record.select();
        try { document.execCommand("copy"); done(); }
        catch (e) { copyStatus.textContent = "Select the text and copy it"; }
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(record.value).then(done, fallback);
      } else { fallback(); }
    });
  }

  // "Add a handout" lists only the handouts not in the basket yet: the server says
  // which after each edit (the same list the page without this script shows).
  function fillAddable(addable) {
    var select = document.getElementById("add");
    if (!select) { return; }
    var chosen = select.value;
    select.replaceChildren.apply(select, addable.map(function (h) {
      var option = document.createElement("option");
      option.value = h.name;
      option.textContent = h.title;
      return option;
    }));
    if (addable.some(function (h) { return h.name === chosen; })) { select.value = chosen; }
    var none = document.getElementById("add-none");
    if (none) { none.hidden = addable.length > 0; }
    // Nothing left to add: no empty list and no button that can only be refused.
    ["add-field", "add-button"].forEach(function (id) {
      var part = document.getElementById(id);
      if (part) { part.hidden = addable.length === 0; }
    });
  }

  // The version lists as the server offers them now (every answer carries them): a
  // location or language the owner added, renamed or took off while this page was open
  // is offered, or no longer, without reloading the page (which lost what was typed
  // and the basket). A choice no longer offered leaves the list on "Choose one".
  function refreshChoices(choices) {
    Object.keys(choices || {}).forEach(function (key) {
      var select = document.getElementById(key);
      if (!select || select.tagName !== "SELECT" || !form.contains(select)) { return; }
      var wanted = choices[key].values;
      var off = choices[key].off || {};
      var chosen = select.value;
      var kept = wanted.some(function (v) { return v[0] === chosen; });
      var desired = (kept ? [] : [["", "Choose one", ""]]).concat(wanted.map(function (v) {
        return [v[0], v[1], (off[v[0]] || []).join(" ")];
      }));
      var current = Array.prototype.map.call(select.options, function (o) {
        return [o.value, o.textContent, o.dataset.off || ""];
      });
      if (JSON.stringify(current) === JSON.stringify(desired)) { return; }
      var options = desired.map(function (v) {
        var option = document.createElement("option");
        option.value = v[0];
        option.textContent = v[1];
        if (v[2]) { option.dataset.off = v[2]; }
        return option;
      });
      select.replaceChildren.apply(select, options);
      select.value = kept ? chosen : "";
      select.required = !kept;
      select.dispatchEvent(new Event("change"));
    });
  }

  function edit(submitter) {
    // The basket's own buttons: the server edits the basket and sends its items back.
    return send(form.dataset.editUrl, false, submitter).then(function (body) {
      clearFieldErrors();
      if (body.html === undefined) { return failed(body); }
      itemsBox.innerHTML = body.html;
      if (body.addable) { fillAddable(body.addable); }
      Object.keys(body.set || {}).forEach(function (key) {
        var input = document.getElementById(key);
        if (input) { input.value = body.set[key]; }
      });
      showProblems(body.problems || []);
      var count = itemsBox.querySelectorAll("fieldset.item").length;
      announce((body.problems || []).length ? body.problems[0].label + ": " +
               body.problems[0].message : count + (count === 1 ? " handout" : " handouts") +
               " in the program");
      var target = body.focus && document.getElementById(body.focus);
      if (target) { target.focus(); }
    });
  }

  function preview() {
    // getAttribute: the basket's buttons named "action" shadow form.action.
    return send(form.getAttribute("action")).then(function (body) {
      clearFieldErrors();
      if (!body.ok) { return failed(body); }
      showProblems(body.problems || []);
      showRecord(body);
      placeholder.hidden = true;
      pagesBox.replaceChildren.apply(pagesBox, body.pages.map(function (src, i) {
        var img = document.createElement("img");
        img.className = "page";
        img.src = src;
        img.alt = "Page " + (i + 1) + " of " + body.pages.length + (itemsBox ?
        " of the home program" : " of the prepared handout");
        return img;
      }));
      announce("Preview ready: " + body.pages.length + (body.pages.length === 1 ? " page" : " pages"));
      result.focus();
    });
  }

  function pdf(action) {
    return send(form.dataset.pdfUrl).then(function (body) {
      clearFieldErrors();
      if (!body.ok) { return failed(body); }
      showProblems(body.problems || []);
      showRecord(body);
      if (action === "download") {
        var a = document.createElement("a");
        a.href = body.url;
        a.download = body.filename;
        document.body.appendChild(a);
        a.click();
        a.remove();
        announce("The PDF is downloading");
      } else {
        // A new frame each time: loading another address into the same frame added a
        // history entry, and Back loaded the last one again, which printed again.
        var fresh = frame.cloneNode(false);
        fresh.removeAttribute("src");
        fresh.onload = function () {
          try { fresh.contentWindow.focus(); fresh.contentWindow.print(); }
          catch (e) { window.open(body.url, "_blank", "noopener"); }
        };
        fresh.src = body.url;
        frame.replaceWith(fresh);
        frame = fresh;
        announce("Opening the print dialog");
      }
      form.dataset.lastPdf = body.url;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter;
    var action = (submitter && submitter.dataset.action) || "preview";
    setBusy(true);
    if (action !== "edit") {
      announce(action === "preview" ? "Making the preview…" : "Making the PDF…");
    }
    (action === "edit" ? edit(submitter) : action === "preview" ? preview() : pdf(action))
      .catch(function () {
        failed({problems: [{severity: "error", message:
          "The server could not be reached. Check the connection and try again."}]});
      })
      .then(function () {
        setBusy(false);
        // The pressed button was disabled while busy, which sent the focus to the
        // page's start: give it back (an edit has already moved it where it belongs).
        if (submitter && document.activeElement === document.body &&
            document.contains(submitter)) { submitter.focus(); }
      });
  });
})();
