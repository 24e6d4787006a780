// The dashboard's only script: the review buttons of the mentions page (one POST per
// verdict, with the page's CSRF token; the row shows the verdict at once), saving a rule
// made from a review, deleting one, and adding a discovered person to the user's KB.
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
  function send(method, url, body) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || JSON.stringify(data.detail));
        return data;
      });
    });
  }
  document.addEventListener("click", function (event) {
    const save = event.target.closest("#save-rule");
    if (save) {
      const status = document.getElementById("rule-status");
      const reason = document.getElementById("rule-reason");
      const body = { mention_id: save.dataset.mention, kind: save.dataset.kind,
                     source_only: save.dataset.sourceOnly === "true" };
      if (save.dataset.phrase) body.phrase = save.dataset.phrase;
      if (reason && reason.value.trim()) body.reason = reason.value.trim();
      const name = localStorage.getItem("tracker-reviewer");
      if (name) body.reviewer = name;
      save.disabled = true;
      send("POST", "/api/rules", body).then(function () {
        window.location.assign("/rules");
      }).catch(function (error) {
        status.textContent = String(error.message || error);
        save.disabled = false;
      });
      return;
    }
    const take = event.target.closest("button[data-accept]");
    if (take) {
      take.disabled = true;
      send("POST", "/api/candidates/" + encodeURIComponent(take.dataset.accept) + "/accept")
        .then(function () {
          take.replaceWith(document.createTextNode(take.closest("table").dataset.accepted));
        }).catch(function (error) {
          take.textContent = String(error.message || error);
          take.disabled = false;
        });
      return;
    }
    const remove = event.target.closest("button[data-delete-rule]");
    if (remove) {
      send("DELETE", "/api/rules/" + remove.dataset.deleteRule).then(function () {
        remove.closest("tr").remove();
      }).catch(function (error) {
        remove.textContent = String(error.message || error);
      });
      return;
    }
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
    send("POST", "/api/mentions/" + encodeURIComponent(row.dataset.mention) + "/review",
         body).then(function (data) {
      row.classList.remove("reviewed-right", "reviewed-wrong");
      row.classList.add("reviewed-" + data.verdict);
      row.querySelector(".verdict").textContent = button.textContent;
      const table = row.closest("table");
      if (data.verdict === "wrong" && !row.querySelector(".make-rule") && table) {
        const link = document.createElement("a");
        link.className = "make-rule";
        link.href = "/rules/new?mention=" + encodeURIComponent(row.dataset.mention);
        link.textContent = table.dataset.makeRule;
        row.querySelector("td.review").appendChild(link);
      }
    }).catch(function (error) {
      row.querySelector(".verdict").textContent = String(error.message || error);
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
