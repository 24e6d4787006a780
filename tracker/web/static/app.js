// The review buttons of the mentions page: one POST per verdict, with the page's CSRF
// token; the row shows the verdict at once. No other script runs on the dashboard.
"use strict";
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrf = meta ? meta.content : "";
  const reviewer = document.getElementById("reviewer");
  if (reviewer) {
    reviewer.value = localStorage.getItem("tracker-reviewer") || "";
    reviewer.addEventListener("change", function () {
      localStorage.setItem("tracker-reviewer", reviewer.value.trim());
    });
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-verdict]");
    if (!button) return;
    const row = button.closest("tr[data-mention]");
    const verdict = button.dataset.verdict;
    const body = { verdict: verdict };
    if (verdict === "wrong") {
      const reason = window.prompt(document.documentElement.lang === "fr"
        ? "Pourquoi cette mention est-elle fausse ? (facultatif)"
        : "Why is this mention wrong? (optional)");
      if (reason === null) return; // cancelled
      if (reason.trim()) body.reason = reason.trim();
    }
    if (reviewer && reviewer.value.trim()) body.reviewer = reviewer.value.trim();
    button.disabled = true;
    fetch("/api/mentions/" + encodeURIComponent(row.dataset.mention) + "/review", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || data.detail || response.statusText);
        row.classList.remove("reviewed-right", "reviewed-wrong");
        row.classList.add("reviewed-" + data.verdict);
        row.querySelector(".verdict").textContent = button.textContent;
      });
    }).catch(function (error) {
      row.querySelector(".verdict").textContent = String(error.message || error);
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
