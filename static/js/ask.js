// Streams answers into the ask page: POST /api/ask/ with "stream": true, read the Server-Sent Events
// from the response body (EventSource cannot POST), and show tokens, sources and errors as they come.
// Without JavaScript the form posts normally and the page refreshes until the answer is done.
"use strict";

(function () {
  const form = document.getElementById("ask-form");
  if (!form) return;
  const turns = document.getElementById("turns");
  const template = document.getElementById("turn-template");
  const textarea = document.getElementById("id_question");
  const button = document.getElementById("ask-button");
  const status = document.getElementById("ask-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const withId = (url, id) => url.replace("/0/", `/${id}/`);

  // The newest turn carries the ids that scripts and tests look for (#answer, #save-as-note, ...).
  function promote(turn) {
    for (const [id, selector] of [
      ["answer", ".answer-text"],
      ["save-as-note", ".save-as-note"],
      ["provenance-toggle", ".provenance-toggle"],
    ]) {
      const old = document.getElementById(id);
      if (old) old.removeAttribute("id");
      const element = turn.querySelector(selector);
      if (element) element.id = id;
    }
  }

  function chip(c) {
    const a = document.createElement("a");
    a.className = "citation" + (c.cited ? " cited" : "");
    a.href = c.url || `/documents/${c.document_id}/#chunk-${c.chunk_id}`;
    a.title = c.text.slice(0, 300);
    a.textContent = `[${c.n}] ${c.title}${c.page ? ", p. " + c.page : ""}`;
    return a;
  }

  function parseEvents(buffer, onEvent) {
    const parts = buffer.split("\n\n");
    const rest = parts.pop();
    for (const part of parts) {
      let kind = "message";
      const data = [];
      for (const line of part.split("\n")) {
        if (line.startsWith("event:")) kind = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trim());
      }
      if (data.length) onEvent(kind, JSON.parse(data.join("\n")));
    }
    return rest;
  }

  function showError(turn, message) {
    const box = turn.querySelector(".answer-text");
    box.classList.remove("streaming");
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    box.appendChild(p);
  }

  async function ask(question) {
    const turn = template.content.firstElementChild.cloneNode(true);
    turn.querySelector(".question").append(question);
    const box = turn.querySelector(".answer-text");
    box.classList.add("streaming");
    box.textContent = "";
    turns.appendChild(turn);
    promote(turn);
    turn.scrollIntoView({ block: "end" });
    const body = {
      question,
      stream: true,
      conversation_id: Number(form.elements.conversation_id.value) || null,
    };
    const response = await fetch(form.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "text/event-stream" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (!response.ok) {
      let message = `The question could not be sent (HTTP ${response.status}).`;
      try {
        message = (await response.json()).error.message || message;
      } catch (e) { /* not JSON */ }
      showError(turn, message);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let answerId = null;
    const onEvent = (kind, data) => {
      if (kind === "meta") {
        answerId = data.answer_id;
        turn.id = `answer-${answerId}`;
        turn.dataset.answerId = answerId;
        form.elements.conversation_id.value = data.conversation_id;
        history.replaceState(null, "", withId(form.dataset.conversationUrl, data.conversation_id));
        status.textContent = "Answering…";
      } else if (kind === "token") {
        box.append(data.text);
      } else if (kind === "citations") {
        box.classList.remove("streaming");
        box.innerHTML = data.html; // rendered and sanitised on the server (Markdown + nh3)
        const chips = turn.querySelector(".citation-chips");
        chips.replaceChildren(...data.citations.map(chip));
      } else if (kind === "done") {
        const actions = turn.querySelector(".turn-actions");
        actions.querySelector("form.save-note").action = withId(form.dataset.noteUrl, answerId);
        actions.hidden = false;
        status.textContent = "";
      } else if (kind === "error") {
        showError(turn, data.message);
        status.textContent = "";
      }
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = parseEvents(buffer + decoder.decode(value, { stream: true }), onEvent);
    }
  }

  async function showProvenance(details) {
    const body = details.querySelector(".provenance-body");
    const turn = details.closest(".turn");
    if (!details.open || body.dataset.loaded || !turn.dataset.answerId) return;
    const response = await fetch(withId(form.dataset.provenanceUrl, turn.dataset.answerId), {
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const p = await response.json();
    body.dataset.loaded = "1";
    const rows = p.retrieval
      .map((c) => `<tr><td>${escape(c.title || c.source + " " + c.parent_id)}</td><td>${c.vector_rank ?? "–"}</td>` +
        `<td>${c.vector_score ?? "–"}</td><td>${c.keyword_rank ?? "–"}</td><td>${c.fused_score}</td><td>${escape(c.status)}</td></tr>`)
      .join("");
    body.innerHTML =
      `<p class="meta">Chat: ${escape(p.providers.chat.model || "none")} (${escape(p.providers.chat.provider || "–")}); ` +
      `embeddings: ${escape(p.providers.embeddings.model)} (${escape(p.providers.embeddings.provider)}); ` +
      `prompt ${escape(p.prompt.name)} v${p.prompt.version ?? "–"}; tokens ${p.tokens.prompt} in, ${p.tokens.completion} out ` +
      `(context ${p.tokens.context_window}); first token ${p.timings_ms.first_token ?? "–"} ms, total ${p.timings_ms.total} ms.</p>` +
      `<p class="meta">Searched for: ${escape(p.standalone_question)}</p>` +
      `<table><thead><tr><th>Passage</th><th>Vector rank</th><th>Similarity</th><th>Keyword rank</th><th>Fused</th><th>Used</th></tr></thead>` +
      `<tbody>${rows}</tbody></table>`;
  }

  function escape(text) {
    const div = document.createElement("div");
    div.textContent = String(text ?? "");
    return div.innerHTML;
  }

  const last = turns.lastElementChild;
  if (last) promote(last);
  turns.addEventListener("toggle", (e) => e.target.matches("details.provenance") && showProvenance(e.target), true);
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const question = textarea.value.trim();
    if (!question) return;
    textarea.value = "";
    button.disabled = true;
    try {
      await ask(question);
    } catch (err) {
      const turn = turns.lastElementChild;
      if (turn) showError(turn, `The connection was lost: ${err.message}. Reload the page to see the answer.`);
    } finally {
      button.disabled = false;
      textarea.focus();
    }
  });
})();
