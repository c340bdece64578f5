// Drag-and-drop (or chosen) files go one by one to POST /api/documents/ with upload progress and a
// result per file; the document list then refreshes itself (htmx) and polls while anything is busy.
// Each result can be dismissed; one whose document has finished (ready or failed: the row then says so)
// clears itself a few seconds later. Without JavaScript the form posts to the page as usual.

const form = document.getElementById("upload-form");
const input = document.getElementById("id_file");
const zone = document.getElementById("dropzone");
const results = document.getElementById("upload-results");
const LINGER_MS = 4000;

function csrfToken() {
  return form.querySelector("input[name=csrfmiddlewaretoken]").value;
}

function refreshList() {
  const list = document.getElementById("documents");
  if (window.htmx && list) {
    window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#documents", swap: "outerHTML" });
  }
}

function resultItem(file) {
  const item = document.createElement("li");
  item.className = "upload-result uploading";
  const name = document.createElement("span");
  name.className = "file-name";
  name.textContent = file.name; // never innerHTML: file names are user input
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", `Uploading ${file.name}`);
  const message = document.createElement("span");
  message.className = "upload-message";
  message.textContent = "Uploading…";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "dismiss";
  close.setAttribute("aria-label", `Dismiss: ${file.name}`);
  close.textContent = "×";
  close.addEventListener("click", () => dismiss(item));
  item.append(name, bar, message, close);
  results.prepend(item);
  return { item, bar, message };
}

function say(row, kind, text, link) {
  row.item.className = `upload-result ${kind}`;
  row.bar.remove();
  row.message.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text;
    row.message.append(" ", a);
  }
  if (kind === "failed") row.message.setAttribute("role", "alert");
}

function dismiss(item) {
  if (item.contains(document.activeElement)) input.focus(); // keep the keyboard user's place on the page
  item.remove();
}

// Results whose document's row now shows it finished clear themselves (the row carries the news on).
function clearFinished() {
  for (const item of results.querySelectorAll("li[data-document-id]:not([data-clearing])")) {
    const row = document.querySelector(`#documents tr[data-document-id="${item.dataset.documentId}"]`);
    if (row && (row.dataset.status === "ready" || row.dataset.status === "failed")) {
      item.dataset.clearing = "true";
      setTimeout(() => dismiss(item), LINGER_MS);
    }
  }
}

function errorMessage(xhr) {
  if (xhr.status === 403) return "Your session has ended: reload the page and log in again.";
  if (xhr.status === 0) return "The server could not be reached; check your connection and try again.";
  try {
    const body = JSON.parse(xhr.responseText);
    if (body.error && body.error.message) return body.error.message;
  } catch (_) {
    /* not JSON: fall through */
  }
  return `The upload failed (HTTP ${xhr.status}); try again.`;
}

function send(file, row) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) row.bar.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.addEventListener("loadend", () => {
      if (xhr.status === 201 || xhr.status === 200) {
        const doc = JSON.parse(xhr.responseText);
        row.item.dataset.documentId = doc.id;
        if (xhr.status === 201) say(row, "uploaded", "uploaded; its progress is shown in the list below.");
        else say(row, "duplicate", "was uploaded before, as", { href: `${form.action}${doc.id}/`, text: doc.title });
        resolve(true);
      } else {
        say(row, "failed", errorMessage(xhr));
        resolve(false);
      }
    });
    const data = new FormData();
    data.append("file", file);
    xhr.send(data);
  });
}

async function uploadAll(files) {
  const maxBytes = Number(form.dataset.maxBytes);
  const queue = [];
  for (const file of files) {
    const row = resultItem(file);
    if (maxBytes && file.size > maxBytes) {
      say(row, "failed", `Too large: the limit is ${Math.round(maxBytes / 1048576)} MB.`);
    } else {
      queue.push([file, row]);
    }
  }
  for (const [file, row] of queue) {
    if (await send(file, row)) refreshList();
  }
}

if (form && input && zone && results) {
  input.required = false;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.files.length) uploadAll([...input.files]);
  });
  input.addEventListener("change", () => {
    uploadAll([...input.files]);
    input.value = "";
  });
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (e) => {
      e.preventDefault();
      zone.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "dragend"]) zone.addEventListener(type, () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    if (e.dataTransfer && e.dataTransfer.files.length) uploadAll([...e.dataTransfer.files]);
  });
  // The list is swapped whole (htmx) after each upload and on every poll while something is busy.
  const list = document.getElementById("documents");
  if (list) new MutationObserver(clearFinished).observe(list.parentNode, { childList: true });
  // A file dropped beside the zone would make the browser leave the page to show it.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
}
