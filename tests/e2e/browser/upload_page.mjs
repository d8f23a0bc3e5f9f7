// Drives the upload page in headless Chromium, as a person would: open /api/upload, choose a
// file, press Upload, wait until the page shows a thumbnail or a failure. Prints one JSON
// object with what the page showed; the pytest test (test_upload_page.py) asserts on it.
//
//   node upload_page.mjs '{"baseUrl": ..., "file": ..., "screenshot": ..., "chromium": ...,
//                          "token": ...}'   (token: typed into the page's Access token field)

import { chromium } from "playwright-core";

// Debian's chromium as root, on a machine whose only network is loopback: no sandbox (root),
// no GPU, and none of Chromium's own background connections (they are refused here, and slow
// the start). A fresh profile each run (Playwright makes a temporary user-data-dir).
const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
  "--no-first-run", "--disable-component-update", "--disable-sync",
  "--disable-dev-shm-usage",
];
const SETTLE_MS = 30_000;

const options = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: options.chromium, headless: true, args: FLAGS, timeout: 60_000,
});
const problems = [];
const thumbnails = [];
let page;
try {
  page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("response", (answer) => {
    if (new URL(answer.url()).pathname.includes("/thumbnails/")) {
      thumbnails.push({ status: answer.status(), contentType: answer.headers()["content-type"] });
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));

  const response = await page.goto(`${options.baseUrl}/api/upload`);
  await page.getByLabel("Image (JPEG, PNG, WebP or GIF)").setInputFiles(options.file);
  if (options.token) await page.getByLabel("Access token").fill(options.token);
  await page.getByRole("button", { name: "Upload" }).click();
  await page.waitForSelector("main[data-state=ready], main[data-state=failed]",
                             { timeout: SETTLE_MS });
  const shown = await page.evaluate(() => {
    const image = document.getElementById("thumbnail");
    return {
      state: document.querySelector("main").dataset.state,
      step: document.querySelector("main").dataset.step ?? null,
      status: document.getElementById("status").textContent,
      error: document.getElementById("error").hidden ? null
        : document.getElementById("error").textContent,
      image: document.getElementById("result").hidden ? null : {
        src: image.currentSrc, alt: image.alt, complete: image.complete,
        naturalWidth: image.naturalWidth, naturalHeight: image.naturalHeight,
      },
    };
  });
  await page.screenshot({ path: options.screenshot, fullPage: true });
  const headers = response.headers();
  console.log(JSON.stringify({
    ...shown, problems, thumbnails, pageStatus: response.status(),
    pageHeaders: { "content-type": headers["content-type"],
                   "content-security-policy": headers["content-security-policy"] },
  }));
} catch (error) {
  // What the page showed when it went wrong, for the test's failure message.
  await page?.screenshot({ path: options.screenshot, fullPage: true }).catch(() => {});
  throw error;
} finally {
  await browser.close();
}
