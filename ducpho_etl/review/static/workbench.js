// Keyboard shortcuts of the review workbench; plain JavaScript, no build step, works offline.
// Row page: 1-9 this person, 0 none of them, m new resident, s skip, n note, v full values,
// q queue. Queue page: Enter / o opens the selected row, j / k move the selection.
(function () {
  "use strict";
  // pages loaded in this tab: lets a browser test count page loads per decision
  sessionStorage.setItem("loads", String(Number(sessionStorage.getItem("loads") || 0) + 1));

  function typing(event) {
    var tag = (event.target && event.target.tagName) || "";
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function rowPage() {
    var form = document.getElementById("decide");
    var sent = false;
    function submit(verdict, candidate) {
      if (sent) { return; }
      sent = true;
      document.getElementById("verdict").value = verdict;
      document.getElementById("candidate").value = candidate || "";
      form.submit();
    }
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.dataset.verdict && !sent) {
        event.preventDefault();
        submit(button.dataset.verdict, button.dataset.candidate);
      }
    });
    var note = document.getElementById("note");
    note.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { note.blur(); event.preventDefault(); }
      if (event.key === "Enter") { event.preventDefault(); note.blur(); }
    });
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var key = event.key;
      if (/^[1-9]$/.test(key)) {
        var pick = form.querySelector('button[data-candidate="' + key + '"]');
        if (pick) { event.preventDefault(); submit("match", key); }
      } else if (key === "0" || key === "x") {
        event.preventDefault(); submit("not_in_registry");
      } else if (key === "m") {
        event.preventDefault(); submit("new_resident");
      } else if (key === "s") {
        event.preventDefault(); submit("skip");
      } else if (key === "n") {
        event.preventDefault(); note.focus();
      } else if (key === "v") {
        var reveal = document.getElementById("reveal") || document.getElementById("mask");
        if (reveal) { event.preventDefault(); window.location.href = reveal.href; }
      } else if (key === "q") {
        event.preventDefault(); window.location.href = "/";
      }
    });
  }

  function queuePage() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr"));
    var at = 0;
    function mark() {
      rows.forEach(function (r, i) { r.classList.toggle("selected", i === at); });
    }
    mark();
    var body = document.querySelector("#queue tbody");
    if (body) {
      body.addEventListener("click", function (event) {
        var row = event.target.closest("tr");
        if (row && row.dataset.href) { window.location.href = row.dataset.href; }
      });
    }
    var filters = document.getElementById("filters");
    if (filters) {
      filters.querySelectorAll("select").forEach(function (s) {
        s.addEventListener("change", function () { filters.submit(); });
      });
    }
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "j" && at < rows.length - 1) { at += 1; mark(); rows[at].scrollIntoView({block: "nearest"}); }
      else if (event.key === "k" && at > 0) { at -= 1; mark(); rows[at].scrollIntoView({block: "nearest"}); }
      else if ((event.key === "Enter" || event.key === "o") && rows[at]) {
        event.preventDefault(); window.location.href = rows[at].dataset.href;
      }
    });
  }

  var page = document.body.dataset.page;
  if (page === "row") { rowPage(); }
  if (page === "queue") { queuePage(); }
})();
