// Streams answers into the ask page: POST /api/ask/ with "stream": true and read the Server-Sent Events
// from the response body (EventSource cannot POST); an answer still being written when the page loads, or
// whose connection drops, is followed again from /api/answers/{id}/events/ after the last event seen.
// Markdown is rendered as it streams (marked, then DOMPurify with the server's allow-list); the final
// HTML comes from the server. Citation chips open their passage in the sources panel beside the answer.
// Without JavaScript the form posts normally, the page refreshes until the answer is done, and each chip
// is a link to its passage.
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
  const urls = form.dataset;
  const withId = (url, id) => url.replace("/0/", `/${id}/`);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const RETRIES = 6;

  // --- Markdown while streaming -------------------------------------------------------------------
  // The same allow-list as the server's nh3 (rag_app/markdown.py): no img, style, class or id.
  const PURIFY = {
    ALLOWED_TAGS: ["a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
      "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul"],
    ALLOWED_ATTR: ["href", "title", "start"],
    ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
  };
  const canRender = Boolean(window.marked && window.DOMPurify);
  if (canRender) {
    window.DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") node.setAttribute("rel", "noopener noreferrer nofollow");
    });
  }

  function render(turn) {
    turn.frame = 0;
    if (turn.final) return;
    if (canRender) {
      turn.box.innerHTML = window.DOMPurify.sanitize(window.marked.parse(turn.text, { gfm: true }), PURIFY);
    } else {
      turn.box.textContent = turn.text;
    }
  }

  // --- One turn: a question and its answer ----------------------------------------------------------
  class Turn {
    constructor(element) {
      this.el = element;
      this.box = element.querySelector(".answer-text");
      this.text = "";
      this.lastId = "";
      this.final = false; // the server's HTML is in: no more rendering of the raw text
      this.finished = false; // done or error arrived
      this.frame = 0;
    }

    get answerId() {
      return this.el.dataset.answerId;
    }
  }

  // The newest turn carries the ids that scripts and tests look for (#answer, #save-as-note, ...).
  function promote(element) {
    for (const [id, selector] of [
      ["answer", ".answer-text"],
      ["save-as-note", ".save-as-note"],
      ["provenance-toggle", ".provenance-toggle"],
    ]) {
      const old = document.getElementById(id);
      if (old) old.removeAttribute("id");
      const found = element.querySelector(selector);
      if (found) found.id = id;
    }
  }

  function finish(turn, state) {
    turn.finished = true;
    turn.el.dataset.status = state;
    turn.box.removeAttribute("aria-busy");
    status.textContent = "";
  }

  function showError(turn, message) {
    finish(turn, "failed");
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    turn.box.appendChild(p);
  }

  function showActions(turn) {
    const actions = turn.el.querySelector(".turn-actions");
    actions.querySelector("form.save-note").action = withId(urls.noteUrl, turn.answerId);
    actions.querySelector("form.regenerate").action = withId(urls.regenerateUrl, turn.answerId);
    actions.querySelector("a.edit-resend").href =
      `${withId(urls.conversationUrl, form.elements.conversation_id.value)}?edit=${turn.answerId}#id_question`;
    const feedback = actions.querySelector("form.feedback");
    feedback.action = withId(urls.feedbackUrl, turn.answerId);
    feedback.setAttribute("hx-post", feedback.action);
    if (window.htmx) window.htmx.process(feedback);
    const details = actions.querySelector("details.provenance");
    details.querySelector(".provenance-body").dataset.loaded = ""; // what was recorded is complete only now
    actions.hidden = false;
    if (details.open) showProvenance(details);
  }

  function markTruncated(turn, data) {
    if (!data.truncated) return;
    const note = turn.el.querySelector(".truncated");
    note.textContent = data.completion_tokens
      ? `Cut at ${data.completion_tokens} tokens: the answer reached its length limit and may end mid-sentence.`
      : "Cut at its length limit: the answer may end mid-sentence.";
    note.hidden = false;
  }

  function onEvent(turn, kind, data) {
    if (kind === "meta") {
      turn.el.id = `answer-${data.answer_id}`;
      turn.el.dataset.answerId = data.answer_id;
      const isNew = !form.elements.conversation_id.value;
      form.elements.conversation_id.value = data.conversation_id;
      if (isNew) {
        history.replaceState(null, "", withId(urls.conversationUrl, data.conversation_id));
        refreshConversation();
      }
      if (!turn.finished) status.textContent = "Answering…";
    } else if (kind === "token") {
      turn.text += data.text;
      if (!turn.frame) turn.frame = requestAnimationFrame(() => render(turn));
    } else if (kind === "citations") {
      turn.final = true;
      cancelAnimationFrame(turn.frame);
      turn.box.innerHTML = data.html; // rendered and sanitised on the server (Markdown + nh3)
      turn.el.querySelector(".citation-chips").replaceChildren(...data.citations.map(chip));
    } else if (kind === "done") {
      finish(turn, "done");
      markTruncated(turn, data);
      showActions(turn);
    } else if (kind === "error") {
      showError(turn, data.message);
    }
  }

  // --- Server-Sent Events from a fetch body ---------------------------------------------------------
  function dispatch(turn, block) {
    let kind = "message";
    let id = "";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) kind = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trim());
      else if (line.startsWith("id:")) id = line.slice(3).trim();
    }
    if (!data.length) return; // a keep-alive comment
    if (id) turn.lastId = id;
    onEvent(turn, kind, JSON.parse(data.join("\n")));
  }

  async function read(turn, response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    while (!turn.finished) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop();
      for (const block of blocks) dispatch(turn, block);
    }
  }

  function eventsRequest(turn) {
    const url = withId(urls.eventsUrl, turn.answerId) + (turn.lastId ? `?after=${encodeURIComponent(turn.lastId)}` : "");
    const headers = { Accept: "text/event-stream" };
    if (turn.lastId) headers["Last-Event-ID"] = turn.lastId;
    return fetch(url, { headers, credentials: "same-origin" });
  }

  // Read the stream to its end; when it breaks off first, pick it up again after the last event seen.
  async function follow(turn, response) {
    let attempt = 0;
    for (;;) {
      const seen = turn.lastId;
      try {
        if (!response) response = await eventsRequest(turn);
        if (response.status === 404) {
          showError(turn, "This answer is gone: it may have been deleted.");
          return;
        }
        if (response.ok) await read(turn, response);
      } catch (err) {
        /* the connection dropped: reconnect below */
      }
      if (turn.finished) return;
      response = null;
      if (turn.lastId !== seen) attempt = 0;
      if (!turn.answerId || ++attempt > RETRIES) {
        showError(turn, "The connection to the server was lost. Reload the page to see the answer.");
        return;
      }
      status.textContent = "The connection was interrupted; picking the answer up again…";
      await sleep(Math.min(500 * 2 ** attempt, 8000));
    }
  }

  // --- The conversation's heading and list, once the first question has made one -----------------
  async function refreshConversation() {
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["conversations", "chat-head", "question-label"]) {
      const fresh = page.getElementById(id);
      const old = document.getElementById(id);
      if (fresh && old) old.replaceWith(document.adoptNode(fresh));
    }
    document.title = page.title;
  }

  // --- Scope: which documents and tags a question searches (nothing ticked: everything) -------------
  const scopeBox = document.getElementById("scope");
  function chosenScope() {
    const ticked = (name) => [...form.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
    return { documents: ticked("documents").map(Number), tags: ticked("tags") };
  }
  function describeScope() {
    const { documents, tags } = chosenScope();
    const parts = [];
    if (documents.length) parts.push(`${documents.length} document${documents.length === 1 ? "" : "s"}`);
    if (tags.length) parts.push(`notes tagged ${tags.join(", ")}`);
    document.getElementById("scope-summary").textContent = parts.join(", ") || "everything";
  }
  if (scopeBox) {
    scopeBox.addEventListener("change", describeScope);
    document.getElementById("scope-everything").addEventListener("click", () => {
      for (const box of scopeBox.querySelectorAll("input[type=checkbox]")) box.checked = false;
      describeScope();
    });
  }

  // --- Asking ----------------------------------------------------------------------------------------
  async function ask(question, scope = chosenScope()) {
    const element = template.content.firstElementChild.cloneNode(true);
    element.querySelector(".question").append(question);
    element.dataset.status = "pending";
    element.dataset.documents = scope.documents.join(",");
    element.dataset.tags = scope.tags.join(",");
    turns.appendChild(element);
    promote(element);
    const turn = new Turn(element);
    turn.box.setAttribute("aria-busy", "true");
    element.scrollIntoView({ block: "end" });
    let response;
    try {
      response = await fetch(urls.api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "text/event-stream" },
        body: JSON.stringify({
          question,
          stream: true,
          conversation_id: Number(form.elements.conversation_id.value) || null,
          documents: scope.documents,
          tags: scope.tags,
        }),
        credentials: "same-origin",
      });
    } catch (err) {
      showError(turn, "The question could not be sent: the server did not answer. Try again.");
      return;
    }
    if (!response.ok) {
      let message = `The question could not be sent (HTTP ${response.status}).`;
      try {
        message = (await response.json()).error.message || message;
      } catch (e) { /* not JSON */ }
      showError(turn, message);
      return;
    }
    await follow(turn, response);
  }

  // --- Provenance ------------------------------------------------------------------------------------
  function escape(text) {
    const div = document.createElement("div");
    div.textContent = String(text ?? "");
    return div.innerHTML;
  }

  function candidateName(c) {
    if (c.title) return c.title;
    return `${c.source === "note" ? "Note" : "Document"} ${c.parent_id} (no longer there)`;
  }

  async function showProvenance(details) {
    const body = details.querySelector(".provenance-body");
    const turn = details.closest(".turn");
    if (!details.open || body.dataset.loaded || !turn.dataset.answerId) return;
    body.dataset.loaded = "loading";
    const response = await fetch(withId(urls.provenanceUrl, turn.dataset.answerId), { credentials: "same-origin" });
    if (!response.ok) {
      body.dataset.loaded = "";
      return;
    }
    const p = await response.json();
    body.dataset.loaded = "1";
    const rows = p.retrieval
      .map((c) => `<tr data-status="${escape(c.status)}"><td>${escape(candidateName(c))}</td><td>${c.vector_rank ?? "–"}</td>` +
        `<td>${c.vector_score ?? "–"}</td><td>${c.keyword_rank ?? "–"}</td><td>${c.fused_score}</td><td>${escape(c.status)}</td></tr>`)
      .join("");
    body.innerHTML =
      `<p class="meta">Chat: ${escape(p.providers.chat.model || "none")} (${escape(p.providers.chat.provider || "–")}); ` +
      `embeddings: ${escape(p.providers.embeddings.model)} (${escape(p.providers.embeddings.provider)}); ` +
      `prompt ${escape(p.prompt.name)} v${p.prompt.version ?? "–"}; tokens ${p.tokens.prompt} in, ${p.tokens.completion} out ` +
      `(context ${p.tokens.context_window}); first token ${p.timings_ms.first_token ?? "–"} ms, total ${p.timings_ms.total} ms.</p>` +
      (p.truncated ? `<p class="meta">Cut at ${p.tokens.completion} tokens (the answer's length limit).</p>` : "") +
      `<p class="meta">Searched for: ${escape(p.standalone_question)}</p>` +
      `<div class="table-scroll"><table><thead><tr><th scope="col">Passage</th><th scope="col">Vector rank</th><th scope="col">Similarity</th>` +
      `<th scope="col">Keyword rank</th><th scope="col">Fused</th><th scope="col">Used</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  }

  // --- Citation chips, their preview and the sources panel -----------------------------------------
  function chip(c) {
    const a = document.createElement("a");
    a.className = "citation" + (c.cited ? " cited" : "");
    a.href = c.url || `${withId(urls.documentUrl, c.document_id)}#chunk-${c.chunk_id}`;
    Object.assign(a.dataset, {
      n: c.n,
      documentId: c.document_id ?? "",
      title: c.title,
      page: c.page ?? "",
      heading: c.heading || "",
      score: c.score,
      cited: c.cited ? "true" : "false",
      text: c.text,
    });
    const n = document.createElement("span");
    n.className = "n";
    n.textContent = `[${c.n}]`;
    a.append(n, ` ${c.title}${c.page ? ", p. " + c.page : ""}`);
    if (c.cited) a.append(hidden(" (cited in the answer)"));
    return a;
  }

  function hidden(text) {
    const span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = text;
    return span;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function facts(a) {
    const d = a.dataset;
    const parts = [];
    if (d.page) parts.push(`Page ${d.page}`);
    if (d.heading) parts.push(d.heading);
    parts.push(`similarity ${Number(d.score).toFixed(2)}`);
    parts.push(d.cited === "true" ? "cited in the answer" : "not cited in the answer");
    return parts.join(" · ");
  }

  // Passage text as paragraphs; lines a document marked as headings ("# Title") shown as headings.
  function passage(text) {
    const box = el("div", "passage-text");
    for (const block of text.split(/\n\s*\n/)) {
      const p = el("p");
      block.split("\n").forEach((line, i) => {
        const heading = line.match(/^#{1,6}\s+(.*)$/);
        if (i) p.append(document.createElement("br"));
        p.append(heading ? el("strong", "passage-heading", heading[1]) : line);
      });
      box.append(p);
    }
    return box;
  }

  // A cited page of a PDF as printed (rendered by the server; nothing shows for other kinds).
  function printedPage(c) {
    const pageUrl = `${withId(urls.documentUrl, c.dataset.documentId)}pages/${c.dataset.page}/`;
    const figure = el("figure", "page-image");
    const img = document.createElement("img");
    img.alt = `Page ${c.dataset.page} of ${c.dataset.title}, as printed`;
    img.loading = "lazy";
    img.src = pageUrl.replace(/\/$/, ".png");
    const open = el("a", "open-page", `See page ${c.dataset.page} on its own`);
    open.href = pageUrl;
    open.append(hidden(`: ${c.dataset.title}`));
    img.addEventListener("error", () => {
      figure.remove(); // not a PDF: there is no printed page to show
      open.remove();
    });
    figure.append(img);
    return [figure, open];
  }

  const layout = document.getElementById("ask-layout");
  const panel = document.getElementById("sources-panel");
  const panelList = document.getElementById("sources-list");
  const panelFor = document.getElementById("sources-for");
  const preview = document.getElementById("citation-preview");
  let opener = null;

  function openSources(a) {
    const turnElement = a.closest(".turn");
    const chips = [...turnElement.querySelectorAll(".citation-chips a.citation")];
    panelList.replaceChildren(
      ...chips.map((c) => {
        const item = el("li", "source");
        item.dataset.n = c.dataset.n;
        const title = el("h3", "", `[${c.dataset.n}] ${c.dataset.title}`);
        title.tabIndex = -1;
        const link = el("a", "open-document", c.dataset.page ? `Open the document at page ${c.dataset.page}` : "Open the document at this passage");
        link.href = c.href;
        link.append(hidden(`: ${c.dataset.title}`));
        item.append(title, el("p", "meta", facts(c)), passage(c.dataset.text), link);
        if (c.dataset.page && c.dataset.documentId) item.append(...printedPage(c));
        if (c === a) item.setAttribute("aria-current", "true");
        return item;
      }),
    );
    panelFor.textContent = `For: ${turnElement.querySelector(".question").lastChild.textContent}`;
    panel.hidden = false;
    layout.classList.add("with-sources");
    opener = a;
    const current = panelList.querySelector("[aria-current] h3");
    current.scrollIntoView({ block: "nearest" });
    current.focus({ preventScroll: true });
  }

  function closeSources() {
    panel.hidden = true;
    layout.classList.remove("with-sources");
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  }

  let showTimer = 0;
  let hideTimer = 0;
  let previewFor = null;

  function showPreview(a) {
    clearTimeout(hideTimer);
    if (previewFor === a) return;
    hidePreview();
    const text = a.dataset.text.replace(/^#{1,6}\s+/gm, "");
    preview.replaceChildren(
      el("strong", "", `[${a.dataset.n}] ${a.dataset.title}`),
      el("span", "meta", facts(a)),
      el("span", "excerpt", text.length > 280 ? text.slice(0, 280).trimEnd() + "…" : text),
      el("span", "hint", "Open it beside the answer: click or press Enter."),
    );
    preview.hidden = false;
    const box = a.getBoundingClientRect();
    const width = preview.offsetWidth;
    const left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
    preview.style.left = `${left + window.scrollX}px`;
    preview.style.top = `${box.bottom + window.scrollY + 6}px`;
    a.setAttribute("aria-describedby", "citation-preview");
    previewFor = a;
  }

  function hidePreview() {
    clearTimeout(showTimer);
    preview.hidden = true;
    if (previewFor) previewFor.removeAttribute("aria-describedby");
    previewFor = null;
  }

  const chipOf = (event) => event.target.closest && event.target.closest("a.citation");

  turns.addEventListener("mouseover", (e) => {
    const a = chipOf(e);
    if (!a) return;
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    showTimer = setTimeout(() => showPreview(a), 150);
  });
  turns.addEventListener("mouseout", (e) => {
    const a = chipOf(e);
    if (!a || a.contains(e.relatedTarget) || preview.contains(e.relatedTarget)) return;
    clearTimeout(showTimer);
    hideTimer = setTimeout(hidePreview, 300);
  });
  preview.addEventListener("mouseenter", () => clearTimeout(hideTimer)); // the preview itself can be hovered
  preview.addEventListener("mouseleave", () => (hideTimer = setTimeout(hidePreview, 300)));
  turns.addEventListener("focusin", (e) => chipOf(e) && showPreview(chipOf(e)));
  turns.addEventListener("focusout", (e) => chipOf(e) && hidePreview());
  turns.addEventListener("click", (e) => {
    const a = chipOf(e);
    // A modified click still opens the passage's page (in a new tab, say), as a link does.
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    hidePreview();
    openSources(a);
  });
  document.getElementById("sources-close").addEventListener("click", closeSources);
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    // Focus in the panel: Escape closes it (and any preview a resting pointer brought up); else the preview.
    const inPanel = !panel.hidden && (panel.contains(document.activeElement) || document.activeElement === document.body);
    if (!preview.hidden) hidePreview();
    if (inPanel) closeSources();
  });

  // --- Answer actions: copy, regenerate, edit and resend (feedback goes through htmx) ----------------
  const questionOf = (turnElement) => turnElement.querySelector(".question").lastChild.textContent.trim();
  const split = (text) => (text ? text.split(",") : []);

  async function copyAnswer(turnElement) {
    try {
      await navigator.clipboard.writeText(turnElement.querySelector(".answer-text").innerText.trim());
      status.textContent = "Copied the answer.";
    } catch (err) {
      status.textContent = "Could not copy: the browser did not allow it. Select the text and copy it instead.";
    }
  }

  turns.addEventListener("click", (e) => {
    const turnElement = e.target.closest && e.target.closest(".turn");
    if (!turnElement) return;
    if (e.target.closest(".copy-answer")) {
      copyAnswer(turnElement);
    } else if (e.target.closest("a.edit-resend") && e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
      e.preventDefault();
      textarea.value = questionOf(turnElement);
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
      status.textContent = "The question is in the box: change it and press Ask.";
    }
  });
  turns.addEventListener("submit", (e) => {
    if (!e.target.matches("form.regenerate")) return;
    e.preventDefault();
    const turnElement = e.target.closest(".turn");
    const scope = { documents: split(turnElement.dataset.documents).map(Number), tags: split(turnElement.dataset.tags) };
    button.disabled = true;
    ask(questionOf(turnElement), scope).finally(() => (button.disabled = false));
  });

  // --- Start -------------------------------------------------------------------------------------------
  // The chips' own preview replaces the browser's tooltip (which stays for pages without JavaScript).
  for (const a of turns.querySelectorAll("a.citation[title]")) a.removeAttribute("title");
  const last = turns.lastElementChild;
  if (last) promote(last);
  // An answer still being written when the page was (re)loaded: follow its events from the start.
  for (const element of turns.querySelectorAll('.turn[data-status="pending"], .turn[data-status="streaming"]')) {
    const turn = new Turn(element);
    turn.box.setAttribute("aria-busy", "true");
    status.textContent = "Answering…";
    follow(turn, null);
  }
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
    } finally {
      button.disabled = false;
      textarea.focus();
    }
  });
})();
