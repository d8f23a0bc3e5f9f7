// The upload page: ask the API for an upload URL, PUT the file straight to Blob Storage, poll
// the status, then show the thumbnail or why the upload failed. No build step, no dependency.
// <main data-state> is idle, working, ready or failed, for styling and for the browser test.
// The API calls carry the access token typed into the page as `Authorization: Bearer`; it is
// read from the field for each upload and kept nowhere else (no storage, no cookie).

const API = "/api"; // host.json: extensions.http.routePrefix
const POLL_MS = 500;
const GIVE_UP_MS = 60_000;
const REASONS = {
  "not-an-image": "The file is not an image.",
  "format-not-allowed": "That image format is not accepted: JPEG, PNG, WebP or GIF only.",
  "corrupt": "The image is damaged and cannot be read.",
  "too-many-pixels": "The image has too many pixels.",
  "too-large": "The file is too large.",
};

const $ = (id) => document.getElementById(id);

/** A failure the page explains; `step` is which of the three failed ("upload-url", "put",
 *  "status"), kept on <main data-step> for styling and the browser test. */
class UploadError extends Error {
  constructor(message, step) {
    super(message);
    this.step = step;
  }
}

/** fetch, where getting no answer at all becomes an UploadError saying which step failed and
 *  what to do. The browser reports a refused CORS preflight, a closed port and a dropped
 *  connection alike, as a bare "TypeError: Failed to fetch"; the step tells them apart. */
async function send(step, url, options) {
  try {
    return await fetch(url, options);
  } catch (error) {
    throw new UploadError(NO_ANSWER[step](new URL(url, location.href), error), step);
  }
}

const NO_ANSWER = {
  "upload-url": (url, error) =>
    `The app did not answer the request for an upload URL (${error}). Is it still running?`,
  "put": (url, error) =>
    `Storage did not accept the upload from this page: the PUT to ${url.origin} got no ` +
    `answer the page may read (${error}). Its blob service needs a CORS rule for ` +
    `${location.origin}: python -m devhost and make run set one on a local Azurite; ` +
    `elsewhere see docs/images.md, "Browser uploads and CORS".`,
  "status": (url, error) =>
    `The app did not answer while the page checked the thumbnail's status (${error}).`,
};

/** An UploadError from a refused request: the API answers RFC 9457 problem+json, storage XML,
 *  and App Service authentication an empty 401 when the token is missing or not valid. */
async function refused(response, what, step) {
  if (response.status === 401) {
    return new UploadError(`${what}: a valid access token is needed (HTTP 401)`, step);
  }
  let detail = `HTTP ${response.status}`;
  if ((response.headers.get("Content-Type") || "").includes("json")) {
    const problem = await response.json();
    detail = problem.detail || problem.title || detail;
  }
  return new UploadError(`${what}: ${detail}`, step);
}

/** A fresh blob name per upload, so that two people's "photo.jpg" never meet. */
function blobName(file) {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `web/${id}/${file.name}`;
}

/** The token as pasted, with or without its "Bearer " prefix. */
function accessToken() {
  return $("token").value.trim().replace(/^bearer\s+/i, "");
}

function apiHeaders(token, headers = {}) {
  return token ? { ...headers, Authorization: `Bearer ${token}` } : headers;
}

async function requestUpload(file, token) {
  const response = await send("upload-url", `${API}/images`, {
    method: "POST",
    headers: apiHeaders(token, { "Content-Type": "application/json" }),
    body: JSON.stringify({ name: blobName(file), content_type: file.type }),
  });
  if (!response.ok) throw await refused(response, "The app refused the upload", "upload-url");
  return response.json();
}

async function putBlob(uploadUrl, file) {
  const response = await send("put", uploadUrl, {
    method: "PUT",
    headers: { "x-ms-blob-type": "BlockBlob", "Content-Type": file.type },
    body: file,
  });
  if (!response.ok) throw await refused(response, "Storage refused the file", "put");
  await response.arrayBuffer(); // read the (empty) answer to its end
}

async function settledStatus(name, token) {
  const path = name.split("/").map(encodeURIComponent).join("/");
  const deadline = Date.now() + GIVE_UP_MS;
  while (Date.now() < deadline) {
    const response = await send("status", `${API}/images/${path}`, {
      headers: apiHeaders(token),
      cache: "no-store",
    });
    if (!response.ok) throw await refused(response, "Could not read the status", "status");
    const status = await response.json();
    if (status.status !== "pending") return status;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new UploadError(
    "No thumbnail after a minute; the app may be busy, try again later.", "status");
}

function showThumbnail(thumbnail, file) {
  const image = $("thumbnail");
  return new Promise((resolve, reject) => {
    image.onload = resolve;
    image.onerror = () => reject(new UploadError("The thumbnail is ready but did not load."));
    image.alt = `Thumbnail of ${file.name}`;
    image.width = thumbnail.width;
    image.height = thumbnail.height;
    image.src = thumbnail.url;
    $("caption").textContent =
      `${thumbnail.width} × ${thumbnail.height} ${thumbnail.content_type}`;
    $("result").hidden = false;
  });
}

function setState(state, message, step) {
  const main = document.querySelector("main");
  main.dataset.state = state;
  if (step) main.dataset.step = step;
  else delete main.dataset.step;
  $("status").textContent = state === "failed" ? "" : message;
  $("error").textContent = state === "failed" ? message : "";
  $("error").hidden = state !== "failed";
  $("submit").disabled = state === "working";
}

async function upload(file, token) {
  $("result").hidden = true;
  setState("working", `Uploading ${file.name}…`);
  const ticket = await requestUpload(file, token);
  await putBlob(ticket.upload_url, file);
  setState("working", "Uploaded. Making the thumbnail…");
  const status = await settledStatus(ticket.name, token);
  if (status.status === "failed") {
    const reason = REASONS[status.reason] || "The image was refused.";
    throw new UploadError(`${reason} (${status.reason})`);
  }
  await showThumbnail(status.thumbnail, file);
  setState("ready", "Thumbnail ready.");
}

$("upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const file = $("file").files[0];
  upload(file, accessToken()).catch((error) => {
    const message = error instanceof UploadError ? error.message : `Something failed: ${error}`;
    setState("failed", message, error.step);
  });
});
document.querySelector("main").dataset.state = "idle";
