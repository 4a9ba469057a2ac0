// One launch function per browser engine. Each returns {page, problems, close, profile, roots, engine}: `page` is
// Playwright's Page in Chromium, and in Firefox and WebKit an object with the part of that API the suites
// use (goto, reload, evaluate, waitForFunction, mouse, keyboard, screenshot, setViewportSize, textContent,
// isVisible, click, waitForSelector, frame, on). `problems` collects console errors and page errors (and in
// Chromium also failed requests and HTTP errors). `roots` are the process ids whose trees are the browser
// (its own and, where it needs one, its X server's), for CPU readings; Chromium's is found by its profile.
//
// - Chromium: Debian's, headless, through playwright-core (CDP).
// - Firefox: Debian's firefox-esr through puppeteer-core over WebDriver BiDi, headful under its own Xvfb
//   (headless Firefox has no WebGL 2 on these machines).
// - WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver and selenium-webdriver, under its own Xvfb
//   (MiniBrowser has no headless mode). WebKitWebDriver has no log API and cannot run a script before the
//   page's own, so console errors and page errors are caught from the moment a page has loaded (anything
//   earlier shows as a page that does not become ready), and addInitScript is refused.
//
// Environment: CONVPAD_BROWSER (chromium, firefox or webkit; default chromium), CONVPAD_CHROMIUM,
// CONVPAD_FIREFOX, CONVPAD_MINIBROWSER (the binaries).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BROWSER = process.env.CONVPAD_BROWSER || 'chromium';
export const BROWSERS = ['chromium', 'firefox', 'webkit'];
if (!BROWSERS.includes(BROWSER)) throw new Error(`CONVPAD_BROWSER=${BROWSER}: expected one of ${BROWSERS.join(', ')}`);

export const CHROMIUM = process.env.CONVPAD_CHROMIUM || '/usr/bin/chromium';
export const FIREFOX = process.env.CONVPAD_FIREFOX || '/usr/bin/firefox-esr';
export const MINIBROWSER = process.env.CONVPAD_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const WEBKIT_WEBDRIVER = '/usr/bin/WebKitWebDriver';

// Flags that work on this kind of machine (shared/TOOLCHAIN.md); playwright adds --headless and
// --user-data-dir itself. SwiftShader renders WebGL2 in software, so screenshots show the real UI.
// No --disable-gpu: with it Chromium composites in software and reads every WebGL frame back on the
// page's main thread (a 50-200 ms stall per frame on 2 busy cores), which no browser with a GPU does;
// without it SwiftShader stands in for the GPU in the compositor too, as a GPU would.
const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
];

// Launches the engine CONVPAD_BROWSER names.
export function launchBrowser(options) {
  return { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit }[BROWSER](options);
}

// [SECTION] Chromium

// serviceWorkers 'block' (the default): the site's service worker (web/page/sw.js) would answer from its caches
// requests that page.route() must see (and count); tests/browser/offline.mjs passes 'allow'. colorScheme:
// what the system prefers ('light' or 'dark'; the engine's own default when not given).
export async function launchChromium({ width, height, deviceScaleFactor = 1, serviceWorkers = 'block', colorScheme }) {
  const { chromium } = await import('playwright-core').catch(() => {
    throw new Error('playwright-core is missing: run tools/deps.sh browser');
  });
  const profile = await mkdtemp(path.join(tmpdir(), 'convpad-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width, height },
    deviceScaleFactor,
    acceptDownloads: true,
    serviceWorkers,
    ...(colorScheme ? { colorScheme } : {}),
  });
  const page = context.pages()[0] ?? await context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`); });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { page, problems, close, profile, roots: [], engine: 'chromium' };
}

// [SECTION] A display for the headful engines

// Starts an Xvfb of its own (the display number it picks, through -displayfd), so that browsers of
// parallel tests never share one. Resolves {display: ':N', stop()}.
function startXvfb({ width = 1920, height = 1200 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    proc.stdio[3].on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve({ display: `:${out.trim()}`, pid: proc.pid, stop: () => proc.kill('SIGTERM') });
    });
    proc.stderr.on('data', (chunk) => { err += chunk; });
    proc.on('error', (e) => reject(new Error(`Xvfb could not start (${e.message}): run tools/deps.sh browser`)));
    proc.on('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display: ${err.slice(-400)}`)));
  });
}

const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
  srv.on('error', reject);
});

// [SECTION] Firefox

export async function launchFirefox({ width, height, deviceScaleFactor = 1, serviceWorkers = 'block', colorScheme }) {
  const { default: puppeteer } = await import('puppeteer-core').catch(() => {
    throw new Error('puppeteer-core is missing: run tools/deps.sh browser');
  });
  const xvfb = await startXvfb();
  const profile = await mkdtemp(path.join(tmpdir(), 'convpad-firefox-'));
  // A folder of its own: Firefox also writes into the profile's top level (sessionstore-backups, ...).
  const downloads = path.join(profile, 'downloads');
  await mkdir(downloads);
  let browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: false,
      userDataDir: profile,
      defaultViewport: { width, height, deviceScaleFactor },
      env: { ...process.env, DISPLAY: xvfb.display, MOZ_CRASHREPORTER_DISABLE: '1' },
      extraPrefsFirefox: {
        'dom.serviceWorkers.enabled': serviceWorkers !== 'block',
        'browser.download.dir': downloads,
        'browser.download.folderList': 2,
        'browser.download.useDownloadDir': true,
        ...(colorScheme ? { 'layout.css.prefers-color-scheme.content-override': colorScheme === 'dark' ? 0 : 1 } : {}),
      },
    });
  } catch (err) {
    xvfb.stop();
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const inner = (await browser.pages())[0] ?? await browser.newPage();
  const problems = [];
  inner.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  inner.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  const page = new PuppeteerPage(inner, { width, height, deviceScaleFactor }, downloads);
  await page.setViewportSize({ width, height });   // defaultViewport alone leaves the window's height
  const close = async () => {
    await browser.close().catch(() => {});
    xvfb.stop();
    await rm(profile, { recursive: true, force: true });
  };
  return { page, problems, close, profile, roots: [browser.process()?.pid, xvfb.pid].filter(Boolean), engine: 'firefox' };
}

// Playwright's (fn, arg) calls on a puppeteer Frame, whose calls take (fn, ...args).
class PuppeteerFrame {
  constructor(frame) { this.inner = frame; }

  evaluate(fn, arg) { return this.inner.evaluate(fn, arg); }

  waitForFunction(fn, arg, { timeout = 30_000, polling = 100 } = {}) {
    return this.inner.waitForFunction(fn, { timeout, polling }, arg);
  }

  textContent(selector) { return this.inner.$eval(selector, (e) => e.textContent); }

  isVisible(selector) {
    return this.inner.evaluate((s) => {
      const e = document.querySelector(s);
      return !!e && e.checkVisibility();
    }, selector);
  }

  click(selector) { return this.inner.click(selector); }

  async waitForSelector(selector, { state = 'visible', timeout = 30_000 } = {}) {
    return this.inner.waitForSelector(selector, { timeout, visible: state === 'visible', hidden: state === 'hidden' });
  }

  name() { return this.inner.name(); }
}

// Playwright's page.mouse on puppeteer's, whose wheel takes an object.
class PuppeteerMouse {
  constructor(mouse) { this.inner = mouse; }

  move(x, y, options) { return this.inner.move(x, y, options); }

  down(options) { return this.inner.down(options); }

  up(options) { return this.inner.up(options); }

  click(x, y, options) { return this.inner.click(x, y, options); }

  wheel(deltaX, deltaY) { return this.inner.wheel({ deltaX, deltaY }); }
}

class PuppeteerPage extends PuppeteerFrame {
  // downloadDir: where Firefox saves downloads without asking (its profile's prefs say so).
  constructor(page, viewport, downloadDir) {
    super(page);
    this.page = page;
    this.viewport = viewport;
    this.downloadDir = downloadDir;
    this.mouse = new PuppeteerMouse(page.mouse);
    this.keyboard = page.keyboard;
    this.touchscreen = page.touchscreen;
  }

  goto(url, { waitUntil = 'load', timeout = 60_000 } = {}) {
    return this.page.goto(url, { waitUntil: waitUntil === 'commit' ? 'domcontentloaded' : waitUntil, timeout });
  }

  reload() { return this.page.reload(); }

  screenshot({ path: file, clip }) { return this.page.screenshot({ path: file, ...(clip ? { clip } : {}) }); }

  setViewportSize({ width, height }) {
    this.viewport = { ...this.viewport, width, height };
    return this.page.setViewport(this.viewport);
  }

  viewportSize() { return { width: this.viewport.width, height: this.viewport.height }; }

  addInitScript(fn, arg) { return this.page.evaluateOnNewDocument(fn, arg); }

  frame({ name }) {
    const found = this.page.frames().find((f) => f.name() === name);
    return found ? new PuppeteerFrame(found) : null;
  }

  // The document of the iframe `selector` (Playwright: (await page.waitForSelector(s)).contentFrame()).
  async contentFrame(selector) {
    const handle = await this.page.waitForSelector(selector, { timeout: 30_000 });
    return new PuppeteerFrame(await handle.contentFrame());
  }

  // Console messages carry Playwright's type names ('warning', not puppeteer's 'warn').
  on(event, handler) {
    if (event !== 'console') return this.page.on(event, handler);
    return this.page.on('console', (msg) => handler({ type: () => (msg.type() === 'warn' ? 'warning' : msg.type()), text: () => msg.text() }));
  }

  // Playwright's 'download' event: the next file that appears, complete, in the download folder.
  async waitForEvent(event, options) {
    if (event !== 'download') throw new Error(`waitForEvent('${event}') is not available in Firefox's driver`);
    const watch = await this.watchDownloads();
    return (await watch.files(1, options))[0];
  }

  // Downloads from now on: files(count) resolves once `count` new files are complete in the download folder
  // (Firefox writes <name>.part beside a file in progress), all of them, as Playwright's
  // [{suggestedFilename(), path()}].
  async watchDownloads() {
    const dir = this.downloadDir;
    const before = new Set(await readdir(dir));
    const complete = async () => {
      const names = await readdir(dir);
      const done = [];
      for (const name of names.filter((f) => !before.has(f) && !f.endsWith('.part')).sort()) {
        if (!names.includes(`${name}.part`) && (await stat(path.join(dir, name))).size > 0) done.push(name);
      }
      return done;
    };
    return {
      async files(count, { timeout = 30_000 } = {}) {
        for (const start = Date.now(); ;) {
          const done = await complete();
          if (done.length >= count) {
            return done.map((name) => ({ suggestedFilename: () => name, path: async () => path.join(dir, name) }));
          }
          if (Date.now() - start > timeout) throw new Error(`${done.length} of ${count} downloads within ${timeout} ms`);
          await new Promise((resolve) => { setTimeout(resolve, 100); });
        }
      },
    };
  }

  isClosed() { return this.page.isClosed(); }

  close() { return this.page.close(); }
}

// [SECTION] WebKit

// MiniBrowser's narrowest window (its toolbar's), so phone widths cannot be tried in WebKitGTK.
export const NARROWEST_WEBKIT_WINDOW = 447;

export async function launchWebKit({ width, height, deviceScaleFactor = 1, colorScheme }) {
  const { Builder } = await import('selenium-webdriver').catch(() => {
    throw new Error('selenium-webdriver is missing: run tools/deps.sh browser');
  });
  const xvfb = await startXvfb();
  const port = await freePort();
  // GDK_SCALE gives MiniBrowser a device pixel ratio (WebKitWebDriver cannot emulate one).
  const driverProc = spawn(WEBKIT_WEBDRIVER, [`--port=${port}`], {
    stdio: 'ignore',
    env: {
      ...process.env, DISPLAY: xvfb.display, GDK_SCALE: String(deviceScaleFactor),
      ...(colorScheme ? { GTK_THEME: colorScheme === 'dark' ? 'Adwaita:dark' : 'Adwaita' } : {}),
    },
  });
  const stop = () => {
    driverProc.kill('SIGTERM');
    xvfb.stop();
  };
  let driver;
  try {
    driver = await connectWebDriver(Builder, port, {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    });
  } catch (err) {
    stop();
    throw err;
  }
  // A call may await a whole training run; the tests' own timeouts bound it.
  await driver.manage().setTimeouts({ script: 60 * 60_000 });
  const problems = [];
  const page = new WebDriverPage(driver, problems);
  await page.setViewportSize({ width, height });
  const close = async () => {
    await driver.quit().catch(() => {});
    stop();
  };
  return { page, problems, close, profile: null, roots: [driverProc.pid, xvfb.pid], engine: 'webkit' };
}

// WebKitWebDriver listens a moment after it starts: the session is asked again until it answers.
async function connectWebDriver(Builder, port, capabilities) {
  for (let attempt = 0; ; ++attempt) {
    try {
      return await new Builder().withCapabilities(capabilities).usingServer(`http://127.0.0.1:${port}`).build();
    } catch (err) {
      if (attempt >= 50 || !/ECONNREFUSED/.test(String(err?.message ?? err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// Installed in each page once it has loaded: keeps console errors and uncaught errors for the test.
function watchProblems() {
  if (window.__convpadProblems) return;
  const problems = window.__convpadProblems = [];
  const consoleError = console.error;
  console.error = function error(...args) {
    problems.push(`console: ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}`);
    return consoleError.apply(this, args);
  };
  addEventListener('error', (e) => problems.push(`page error: ${e.message}`));
  addEventListener('unhandledrejection', (e) => problems.push(`page error: ${e.reason?.message ?? e.reason}`));
}

// A script for executeAsyncScript that runs `source` (a function) on the first argument, awaits a promise it
// returns, and also brings back the problems the page has seen since the last call.
const runInPage = (source) => `
  const done = arguments[arguments.length - 1];
  const problems = () => (window.__convpadProblems ? window.__convpadProblems.splice(0) : []);
  const given = (${source});
  const fn = typeof given === 'function' ? given : () => given;
  const box = arguments[0];   // [arg], or [] for undefined (which WebDriver would send as null)
  Promise.resolve().then(() => fn(box.length ? box[0] : undefined)).then(
    (value) => done({ value: value === undefined ? null : value, problems: problems() }),
    (err) => done({ error: String(err && err.message !== undefined ? err.message : err), problems: problems() }));`;

// One WebDriver command at a time: switching into a frame and back must not interleave with other calls.
class CommandQueue {
  constructor() { this.tail = Promise.resolve(); }

  run(task) {
    const result = this.tail.then(task);
    this.tail = result.catch(() => {});
    return result;
  }
}

class WebDriverFrame {
  // enter(): switches the driver into this frame (and leave() back to the top page).
  constructor(page, enter) {
    this.page = page;
    this.enter = enter;
  }

  evaluate(fn, arg) { return this.page.evaluateIn(this.enter, fn, arg); }

  async waitForFunction(fn, arg, { timeout = 30_000, polling = 100 } = {}) {
    const start = Date.now();
    for (;;) {
      const value = await this.evaluate(fn, arg);
      if (value) return { jsonValue: async () => value };
      if (Date.now() - start > timeout) throw new Error(`waitForFunction timed out after ${timeout} ms: ${fn}`);
      await new Promise((resolve) => setTimeout(resolve, typeof polling === 'number' ? polling : 50));
    }
  }

  textContent(selector) { return this.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector); }

  isVisible(selector) {
    return this.evaluate((s) => {
      const e = document.querySelector(s);
      return !!e && e.checkVisibility();
    }, selector);
  }

  async click(selector) {
    const box = await this.evaluate((s) => {
      const r = document.querySelector(s)?.getBoundingClientRect();
      return r ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    }, selector);
    if (!box) throw new Error(`click: no element ${selector}`);
    const offset = await this.page.frameOffset(this.enter);
    await this.page.mouse.click(box.x + offset.x, box.y + offset.y);
  }

  async waitForSelector(selector, { state = 'visible', timeout = 30_000 } = {}) {
    await this.waitForFunction(([s, wanted]) => {
      const e = document.querySelector(s);
      const visible = !!e && e.checkVisibility();
      return wanted === 'hidden' ? !visible : wanted === 'attached' ? !!e : visible;
    }, [selector, state], { timeout });
  }
}

class WebDriverPage extends WebDriverFrame {
  constructor(driver, problems) {
    super(null, null);
    this.page = this;
    this.driver = driver;
    this.problems = problems;
    this.queue = new CommandQueue();
    this.viewport = null;
    this.mouse = new WebDriverMouse(this);
    this.keyboard = new WebDriverKeyboard(this);
  }

  // Runs fn(arg) in the top page, or in a frame after enter().
  evaluateIn(enter, fn, arg) {
    return this.queue.run(async () => {
      if (enter) await enter(this.driver);
      let outcome;
      try {
        outcome = await this.driver.executeAsyncScript(runInPage(fn.toString()), arg === undefined ? [] : [arg]);
      } finally {
        if (enter) await this.driver.switchTo().defaultContent();
      }
      this.problems.push(...(outcome?.problems ?? []));
      if (outcome && 'error' in outcome) throw new Error(outcome.error);
      return outcome?.value;
    });
  }

  evaluate(fn, arg) { return this.evaluateIn(null, fn, arg); }

  async goto(url) {
    await this.queue.run(() => this.driver.get(url));
    await this.evaluate(watchProblems);
  }

  async reload() {
    await this.queue.run(() => this.driver.navigate().refresh());
    await this.evaluate(watchProblems);
  }

  // WebDriver captures the whole viewport: a `clip` is not applied (the picture is only an artifact).
  // WebKitGTK's snapshot of an idle WebGL canvas comes out black (its drawing buffer is not kept once
  // shown), so the page draws frames while the picture is taken.
  async screenshot({ path: file }) {
    await this.evaluate(() => {
      window.__convpadPosing = true;
      const draw = () => {
        window.convpad?.redraw?.(1);
        if (window.__convpadPosing) requestAnimationFrame(draw);
      };
      requestAnimationFrame(draw);
    });
    let png;
    try {
      png = await this.queue.run(() => this.driver.takeScreenshot());
    } finally {   // the page rests again before the test goes on (an idle page draws nothing)
      await this.evaluate(() => new Promise((resolve) => {
        window.__convpadPosing = false;
        requestAnimationFrame(() => requestAnimationFrame(resolve));
      }));
    }
    await writeFile(file, Buffer.from(png, 'base64'));
  }

  // The window is the viewport plus MiniBrowser's own bars, which are measured once. MiniBrowser's window
  // is never narrower than NARROWEST_WEBKIT_WINDOW: a narrower viewport is refused, not faked.
  async setViewportSize({ width, height }) {
    let now;
    for (let attempt = 0; attempt < 10; ++attempt) {   // GTK resizes a moment after it is asked to
      now = await this.evaluate(() => ({ inner: [innerWidth, innerHeight], outer: [outerWidth, outerHeight] }));
      if (now.inner[0] === width && now.inner[1] === height) break;
      if (attempt % 3 === 0) {
        const rect = { width: width + now.outer[0] - now.inner[0], height: height + now.outer[1] - now.inner[1] };
        await this.queue.run(() => this.driver.manage().window().setRect(rect));
      }
      await new Promise((resolve) => { setTimeout(resolve, 100); });
    }
    if (now.inner[0] !== width || now.inner[1] !== height) {
      throw new Error(`MiniBrowser's viewport cannot be ${width}x${height} (it stays ${now.inner.join('x')}; its window is never narrower than ${NARROWEST_WEBKIT_WINDOW} px)`);
    }
    this.viewport = { width, height };
  }

  viewportSize() { return this.viewport; }

  addInitScript() {
    throw new Error('addInitScript: WebKitWebDriver cannot run a script before the page\'s own');
  }

  // The iframe named `name` (found when it is used).
  frame({ name }) { return this.frameAt(`iframe[name="${name}"]`); }

  // The document of the iframe `selector` of the top page.
  async contentFrame(selector) {
    await this.waitForSelector(selector, { state: 'attached' });
    return this.frameAt(selector);
  }

  frameAt(selector) {
    return new WebDriverFrame(this, async (driver) => {
      const { By } = await import('selenium-webdriver');
      await driver.switchTo().frame(await driver.findElement(By.css(selector)));
    });
  }

  // Where a frame's content box sits in the page (0, 0 for the page itself).
  async frameOffset(enter) {
    if (!enter) return { x: 0, y: 0 };
    throw new Error('clicks inside frames are not supported in WebKit yet');
  }

  on(event) {
    throw new Error(`page.on('${event}'): WebKitWebDriver reports no events`);
  }
}

// Playwright's page.mouse over WebDriver actions, in viewport coordinates (whole pixels).
class WebDriverMouse {
  constructor(page) {
    this.page = page;
    this.x = 0;
    this.y = 0;
  }

  perform(build) {
    return this.page.queue.run(async () => {
      const { Origin } = await import('selenium-webdriver/lib/input.js');
      await build(this.page.driver.actions({ async: true }), Origin.VIEWPORT).perform();
    });
  }

  async move(x, y, { steps = 1 } = {}) {
    const from = [this.x, this.y];
    this.x = x;
    this.y = y;
    await this.perform((actions, origin) => {
      for (let i = 1; i <= steps; ++i) {
        actions.move({
          x: Math.round(from[0] + ((x - from[0]) * i) / steps),
          y: Math.round(from[1] + ((y - from[1]) * i) / steps),
          origin,
          duration: 0,
        });
      }
      return actions;
    });
  }

  down() { return this.perform((actions) => actions.press()); }

  up() { return this.perform((actions) => actions.release()); }

  // A wheel turn where the pointer is (Playwright's page.mouse.wheel).
  // WebKitWebDriver delivers a session's later wheel actions only once the input state is released.
  async wheel(deltaX, deltaY) {
    await this.perform((actions, origin) => actions.scroll(Math.round(this.x), Math.round(this.y), Math.round(deltaX), Math.round(deltaY), origin));
    await this.page.queue.run(() => this.page.driver.actions({ async: true }).clear());
  }

  async click(x, y) {
    await this.move(x, y);
    await this.down();
    await this.up();
  }
}

// Playwright's key names as WebDriver's key codes.
class WebDriverKeyboard {
  constructor(page) { this.page = page; }

  async key(name) {
    const { Key } = await import('selenium-webdriver');
    const named = { Enter: Key.ENTER, Escape: Key.ESCAPE, Tab: Key.TAB, Backspace: Key.BACK_SPACE, Delete: Key.DELETE,
      ArrowLeft: Key.ARROW_LEFT, ArrowRight: Key.ARROW_RIGHT, ArrowUp: Key.ARROW_UP, ArrowDown: Key.ARROW_DOWN,
      Shift: Key.SHIFT, Control: Key.CONTROL, Alt: Key.ALT, Meta: Key.META, Space: ' ', Home: Key.HOME, End: Key.END };
    return named[name] ?? name;
  }

  async down(name) {
    const key = await this.key(name);
    await this.page.queue.run(() => this.page.driver.actions({ async: true }).keyDown(key).perform());
  }

  async up(name) {
    const key = await this.key(name);
    await this.page.queue.run(() => this.page.driver.actions({ async: true }).keyUp(key).perform());
  }

  async press(combo) {
    const keys = combo.split('+');
    for (const k of keys) await this.down(k);
    for (const k of keys.reverse()) await this.up(k);
  }
}
