package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin UI in Debian's Chromium (headless, driven by its chromedriver) against a real node,
 * PostgreSQL and dockerd: first-run sign-up with the printed setup code, sign-out and sign-in;
 * onboarding a tenant with a secret, its progress reaching READY without a reload while a second
 * tab's fleet table follows it live; a hostile display name rendered as text; the secret's value
 * nowhere in the DOM or in any response the browser received; Open (SSO) landing signed in;
 * teardown turning the row RETIRED live. Screenshots of each page go to target/ui-screenshots.
 */
class UiTest {
  static final Duration WITHIN = Duration.ofSeconds(150);
  static final String OWNER = "olga@berth.test";
  static final String HOSTILE = "<img src=x onerror=alert(1)>";
  static final Path SHOTS = Path.of("target", "ui-screenshots");

  @TempDir Path dir;

  static ChromeDriver chromium(Path profile) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.PERFORMANCE, Level.ALL); // the DevTools network events: every response the page got
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  static void shot(ChromeDriver driver, String name) throws Exception {
    Files.createDirectories(SHOTS);
    Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve(name + ".png"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  static WebElement await(WebDriver driver, By by) {
    return new WebDriverWait(driver, WITHIN).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  static void awaitText(WebDriver driver, By by, String text) {
    new WebDriverWait(driver, WITHIN).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
  }

  static void type(WebElement form, String name, String value) {
    WebElement input = form.findElement(By.name(name));
    input.clear();
    input.sendKeys(value);
  }

  @Test
  void anOperatorOnboardsWatchesOpensAndTearsDownATenantInTheBrowser() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    ListAppender<ILoggingEvent> logged = TestNodes.captureLog();
    String password = "pw-" + UUID.randomUUID();
    String canary = "canary-" + UUID.randomUUID();
    ChromeDriver driver = null;
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      TestNodes.releaseLog(logged);
      String code = TestNodes.setupCode(logged);
      String admin = "http://127.0.0.1:" + node.adminAddress().getPort() + "/";
      driver = chromium(dir.resolve("chromium"));

      // ---- first run: sign up as owner with the setup code; sign out; sign in
      driver.get(admin);
      WebElement setup = await(driver, By.id("setup-form"));
      shot(driver, "01-first-run");
      type(setup, "code", code.toLowerCase()); // typed as read, in any case
      type(setup, "email", OWNER);
      type(setup, "displayName", "Olga Owner");
      type(setup, "password", password);
      setup.findElement(By.cssSelector("button[type=submit]")).click();
      await(driver, By.id("fleet"));
      awaitText(driver, By.id("who"), OWNER);
      await(driver, By.id("signout")).click();
      WebElement signIn = await(driver, By.id("signin-form"));
      assertTrue(driver.findElements(By.id("setup-form")).isEmpty(), "sign-up is closed once the owner exists");
      type(signIn, "email", OWNER);
      type(signIn, "password", password);
      signIn.findElement(By.cssSelector("button[type=submit]")).click();
      await(driver, By.id("fleet"));
      awaitText(driver, By.id("live"), "live");
      shot(driver, "02-fleet-empty");
      String firstTab = driver.getWindowHandle();

      // ---- a second tab on the fleet, opened before the create
      driver.switchTo().newWindow(WindowType.TAB);
      driver.get(admin + "#/fleet");
      await(driver, By.id("fleet"));
      awaitText(driver, By.id("live"), "live");
      driver.executeScript("window.noReload = 'second'");
      String secondTab = driver.getWindowHandle();

      // ---- onboard: the slug is checked as typed, secrets in password fields, one submit
      driver.switchTo().window(firstTab);
      driver.get(admin + "#/onboard");
      WebElement slug = await(driver, By.id("onboard-slug"));
      slug.sendKeys("Not_A_Slug");
      awaitText(driver, By.id("onboard-slug-hint"), "✗");
      assertEquals("true", slug.getAttribute("aria-invalid"));
      slug.clear();
      slug.sendKeys("webui");
      awaitText(driver, By.id("onboard-slug-hint"), "✓");
      driver.findElement(By.id("onboard-name")).sendKeys(HOSTILE);
      // the images the node offers, by name (GET /api/images); this tenant keeps the default (it signs in by SSO)
      new WebDriverWait(driver, WITHIN).until(d -> d.findElements(By.cssSelector("#onboard-image option")).size() == 3);
      List<String> images = driver.findElements(By.cssSelector("#onboard-image option")).stream()
          .map(o -> o.getAttribute("value") + "=" + o.getText()).toList();
      assertEquals("", images.get(0).substring(0, images.get(0).indexOf('=')), images.toString());
      assertTrue(images.get(1).startsWith("light=light (berth-tenant-light:"), images.toString());
      assertTrue(images.get(2).startsWith("reference=reference (berth-tenant-reference:"), images.toString());
      driver.findElement(By.cssSelector("#onboard-secrets .secret-name")).sendKeys("API_KEY");
      WebElement value = driver.findElement(By.cssSelector("#onboard-secrets .secret-value"));
      assertEquals("password", value.getAttribute("type"));
      value.sendKeys(canary);
      driver.findElement(By.id("onboard-reason")).sendKeys("UI onboarding test");
      shot(driver, "03-onboard");
      driver.executeScript("window.noReload = 'first'");
      driver.findElement(By.id("onboard-submit")).click();

      // ---- its progress, live, to READY without a reload
      await(driver, By.id("tenant-progress"));
      awaitText(driver, By.id("tenant-phase"), "READY");
      assertEquals("first", driver.executeScript("return window.noReload"), "no page reload on the way");
      awaitText(driver, By.id("tenant-timeline"), "TenantInitialized");
      assertTrue(driver.findElement(By.id("tenant-timeline")).getText().contains(OWNER), "who asked, on the timeline");
      shot(driver, "04-tenant-ready");

      // ---- a hostile display name is text, never markup
      assertEquals(HOSTILE, driver.findElement(By.id("tenant-name")).getText());
      assertTrue(driver.findElements(By.cssSelector("img[src='x']")).isEmpty());
      WebDriver current = driver;
      assertThrows(NoAlertPresentException.class, () -> current.switchTo().alert());

      // ---- the second tab followed it live
      driver.switchTo().window(secondTab);
      new WebDriverWait(driver, WITHIN).until(d -> !d.findElements(
          By.cssSelector("#fleet-rows tr[data-slug='webui'][data-phase='READY']")).isEmpty());
      assertEquals("second", driver.executeScript("return window.noReload"));
      assertEquals(HOSTILE, driver.findElement(By.cssSelector("#fleet-rows tr[data-slug='webui'] td.name")).getText());
      shot(driver, "05-fleet-live");

      // ---- Open: the SSO handoff lands on the tenant's page, signed in
      driver.switchTo().window(firstTab);
      List<String> before = new ArrayList<>(driver.getWindowHandles());
      driver.findElement(By.id("tenant-open")).click();
      new WebDriverWait(driver, WITHIN).until(d -> d.getWindowHandles().size() > before.size());
      String tenantTab = driver.getWindowHandles().stream().filter(h -> !before.contains(h)).findFirst().orElseThrow();
      driver.switchTo().window(tenantTab);
      new WebDriverWait(driver, WITHIN).until(d -> d.getCurrentUrl().startsWith("http://webui.localhost:"));
      String tenantRoot = driver.getCurrentUrl().replaceAll("^(http://[^/]+)/.*$", "$1/");
      driver.get(tenantRoot);
      awaitText(driver, By.id("signed-in"), "Signed in as " + OWNER);
      shot(driver, "06-tenant-signed-in");
      driver.close();

      // ---- the live tail shows what the container printed just now (the handoff it accepted)
      driver.switchTo().window(firstTab);
      awaitText(driver, By.id("tenant-output"), "signed in " + OWNER + " by SSO handoff");
      shot(driver, "04b-tenant-live-output");

      // ---- the secret's value: nowhere in either page, nor in any response the browser received
      assertFalse(driver.getPageSource().contains(canary));
      assertFalse(anyInputHolds(driver, canary), "the secret's field was cleared after the submit");
      driver.switchTo().window(secondTab);
      assertFalse(driver.getPageSource().contains(canary));
      assertFalse(anyInputHolds(driver, canary));
      Scan scan = scanResponses(driver, canary, HOSTILE);
      assertTrue(scan.bodies() > 5 && scan.events() > 3, "read: " + scan);
      assertTrue(scan.controlSeen(), "the scan sees what responses carry (the display name): " + scan);

      // ---- teardown from the detail page, confirmed by typing the slug; the other tab sees RETIRED
      driver.switchTo().window(firstTab);
      WebElement teardown = driver.findElement(By.id("tenant-teardown"));
      assertFalse(teardown.isEnabled(), "not before the slug is typed");
      driver.findElement(By.id("teardown-confirm")).sendKeys("webui");
      teardown.click();
      driver.switchTo().window(secondTab);
      new WebDriverWait(driver, WITHIN).until(d -> !d.findElements(
          By.cssSelector("#fleet-rows tr[data-slug='webui'][data-phase='RETIRED']")).isEmpty());
      assertEquals("second", driver.executeScript("return window.noReload"));

      // ---- the other pages, for the record
      driver.get(admin + "#/cluster");
      await(driver, By.id("cluster-members"));
      shot(driver, "07-cluster");
      driver.get(admin + "#/accounts");
      await(driver, By.id("account-form"));
      shot(driver, "08-accounts");
      driver.get(admin + "#/tokens");
      await(driver, By.id("token-form"));
      shot(driver, "09-tokens");
      driver.get(admin + "#/audit");
      WebElement filter = await(driver, By.id("audit-filter"));
      type(filter, "tenant", "webui");
      filter.findElement(By.cssSelector("button[type=submit]")).click();
      new WebDriverWait(driver, WITHIN).until(d -> d.findElement(By.id("audit-rows")).getText().contains("TeardownRequested"));
      assertTrue(driver.findElement(By.id("audit-rows")).getText().contains(OWNER), "the trail names who asked");
      driver.findElement(By.id("audit-verify-button")).click();
      awaitText(driver, By.id("audit-verify"), "The chain is intact");
      shot(driver, "11-audit");
      driver.switchTo().window(firstTab);
      driver.navigate().refresh();
      awaitText(driver, By.id("tenant-phase"), "RETIRED");
      shot(driver, "10-tenant-retired");
    } finally {
      TestNodes.releaseLog(logged);
      if (driver != null) driver.quit();
      nodes.removeContainers();
    }
  }

  /** What the scan read: response bodies, server-sent events, and whether the control value was among them. */
  record Scan(int bodies, int events, boolean controlSeen) {}

  /**
   * Reads every response body and server-sent event the browser received, in every open tab (the
   * DevTools network events of the performance log, read once, each naming its tab), and fails when
   * one holds {@code needle}. {@code control} is a value known to be in some response (the scan is
   * shown to see what it should).
   */
  static Scan scanResponses(ChromeDriver driver, String needle, String control) throws Exception {
    Map<String, List<String>> finishedByTab = new java.util.HashMap<>();
    int events = 0;
    boolean controlSeen = false;
    for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
      JsonNode root = TestNodes.JSON.readTree(entry.getMessage());
      JsonNode message = root.path("message");
      String method = message.path("method").asText();
      JsonNode params = message.path("params");
      if (method.equals("Network.eventSourceMessageReceived")) {
        String data = params.path("data").asText();
        assertFalse(data.contains(needle), "an event carried the secret");
        controlSeen |= data.contains(control);
        events++;
      } else if (method.equals("Network.loadingFinished")) {
        finishedByTab.computeIfAbsent(tabId(root.path("webview").asText()), k -> new ArrayList<>())
            .add(params.path("requestId").asText());
      }
    }
    int bodies = 0;
    for (String handle : driver.getWindowHandles()) {
      driver.switchTo().window(handle); // a body is read through the tab that received it
      for (String requestId : finishedByTab.getOrDefault(tabId(handle), List.of())) {
        Map<String, Object> body;
        try {
          body = driver.executeCdpCommand("Network.getResponseBody", Map.of("requestId", requestId));
        } catch (org.openqa.selenium.WebDriverException noBody) {
          continue; // a redirect or a preflight: no body kept
        }
        String text = String.valueOf(body.get("body"));
        assertFalse(text.contains(needle), "a response carried the secret");
        controlSeen |= text.contains(control);
        bodies++;
      }
    }
    return new Scan(bodies, events, controlSeen);
  }

  /** chromedriver's window handle and the performance log's webview both name the DevTools target. */
  static String tabId(String handleOrWebview) {
    return handleOrWebview.replace("CDwindow-", "").toUpperCase(java.util.Locale.ROOT);
  }

  /** Whether any input of the page holds the value (typed values are not in the page source). */
  static boolean anyInputHolds(ChromeDriver driver, String value) {
    return Boolean.TRUE.equals(driver.executeScript(
        "return Array.from(document.querySelectorAll('input, textarea')).some(i => i.value.includes(arguments[0]))",
        value));
  }
}
