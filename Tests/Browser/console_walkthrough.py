"""The console in a real browser (Debian's Chromium, headless, driven by Selenium).

Run by Tests/WorkerTests/ConsoleBrowserTests.swift against a console it started; exits 0
when every step held, else 1 with the step that failed. Screenshots of each page go to --out.

  console_walkthrough.py --base URL --chromedriver PATH --out DIR
      --reviewer NAME:PASSWORD --viewer NAME:PASSWORD --request ID --xss-request ID
"""
import argparse
import os
import sys

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def main():
    p = argparse.ArgumentParser()
    for name in ("base", "chromedriver", "out", "reviewer", "viewer", "request", "xss-request"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--chromium")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768",
                 "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    if a.chromium:
        options.binary_location = a.chromium
    driver = webdriver.Chrome(service=Service(executable_path=a.chromedriver), options=options)
    driver.implicitly_wait(0)
    step = "start"

    def shot(name):
        driver.save_screenshot(os.path.join(a.out, name + ".png"))

    def check(condition, what):
        """Waits (up to 15 s) for `condition`, a function of nothing: a click that submits a form
        returns before the next page is there."""
        try:
            WebDriverWait(driver, 15, poll_frequency=0.1, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                          ).until(lambda _: condition())
        except TimeoutException:
            shot("failed-" + step.replace(" ", "-"))
            raise AssertionError(f"{step}: {what} (at {driver.current_url})")

    def no_alert():
        try:
            driver.switch_to.alert
            return False
        except NoAlertPresentException:
            return True

    def login(credentials, expect_ok=True):
        name, password = credentials.split(":", 1)
        driver.get(a.base + "/login")
        user = driver.find_element(By.NAME, "username")
        user.clear()
        user.send_keys(name)
        # Keyboard only: type the password and press Enter.
        driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)
        if expect_ok:
            check(lambda: not driver.current_url.split("?")[0].endswith("/login"), "the login leads away from the login page")

    try:
        step = "wrong password"
        reviewer_name = a.reviewer.split(":", 1)[0]
        login(reviewer_name + ":not-the-password", expect_ok=False)
        check(lambda: "Wrong user name or password" in driver.page_source, "the login page says the password was wrong")
        check(lambda: driver.current_url.endswith("/login"), "no session was started")
        shot("login-failed")

        step = "log in"
        login(a.reviewer)
        check(lambda: driver.current_url.rstrip("/") == a.base.rstrip("/"), "the decisions page follows the login")
        check(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Decisions", "the decisions page is shown")
        check(lambda: "UTC" in driver.page_source, "times name their zone")
        shot("decisions")

        step = "quality"
        driver.get(a.base + "/quality")
        check(lambda: len(driver.find_elements(By.CSS_SELECTOR, "main svg")) == 4, "the day chart and three histograms are drawn")
        shot("quality")

        step = "dead letters"
        driver.get(a.base + "/dead-letters")
        check(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Dead letters", "the dead letters are shown")
        shot("dead-letters")

        step = "review queue"
        driver.get(a.base + "/review-queue")
        check(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Review queue", "the queue is shown")
        link = driver.find_element(By.LINK_TEXT, a.request)
        shot("review-queue")
        link.click()

        step = "a decision"
        check(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Request " + a.request, "the decision page is shown")
        check(lambda: len(driver.find_elements(By.CSS_SELECTOR, "table tbody tr")) >= 3, "checks and revisions are listed")
        check(lambda: "await_review" in driver.page_source, "its next action is named")
        # Both images decoded in the browser: a broken one has no natural width.
        check(lambda: len(driver.find_elements(By.CSS_SELECTOR, "section.images img")) == 2, "the ID card and the selfie are shown")
        check(lambda: all(int(img.get_property("naturalWidth") or 0) > 0 for img in driver.find_elements(By.CSS_SELECTOR, "section.images img")),
              "both images decode")
        shot("decision")

        step = "review through the form"
        driver.find_element(By.CSS_SELECTOR, "input[name=action][value=approve]").click()
        reason = driver.find_element(By.NAME, "reason")
        reason.send_keys("checked the documents on a video call")
        driver.find_element(By.CSS_SELECTOR, "section.review button[type=submit]").click()
        check(lambda: "The review is in force" in driver.page_source, "the page confirms the new revision")
        def revisions():
            return driver.find_elements(By.XPATH, "//h2[text()='Revisions']/following-sibling::table[1]/tbody/tr")
        check(lambda: len(revisions()) == 2 and revisions()[1].text.startswith("2 "), "the revision table holds revision 2")
        check(lambda: reviewer_name in revisions()[1].text and "checked the documents on a video call" in revisions()[1].text,
              "revision 2 names its reviewer and reason")
        shot("decision-reviewed")

        step = "xss"
        driver.get(a.base + "/decisions/" + a.xss_request)
        check(lambda: "<script>alert(1)</script>" in driver.find_element(By.TAG_NAME, "main").text, "the subject is shown as text")
        check(lambda: no_alert(), "the subject ran no script")
        check(lambda: len(driver.find_elements(By.CSS_SELECTOR, "main script")) == 0, "no script element came from the value")
        shot("decision-xss")

        step = "csrf"
        # Another site's form posting to the console: the session cookie (SameSite=Strict) is not
        # sent and the form has no CSRF token, so nothing may change.
        attacker = ("data:text/html,<form method=post action='" + a.base + "/decisions/" + a.xss_request +
                    "/review'><input name=action value=approve><input name=reason value=forged>"
                    "<input name=expectedRevision value=1><button id=go>go</button></form>")
        driver.get(attacker)
        driver.find_element(By.ID, "go").click()
        check(lambda: "/login" in driver.current_url or "nothing was changed" in driver.page_source,
              "the forged form was refused")
        shot("csrf-refused")

        step = "viewer"
        driver.get(a.base + "/")
        driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
        check(lambda: driver.current_url.endswith("/login"), "logging out leads to the login page")
        login(a.viewer)
        driver.get(a.base + "/decisions/" + a.xss_request)
        check(lambda: len(driver.find_elements(By.CSS_SELECTOR, "form[action$='/review']")) == 0, "a viewer gets no review form")
        check(lambda: len(driver.find_elements(By.CSS_SELECTOR, "main img")) == 0, "a viewer sees no images")
        shot("viewer-decision")
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        print(f"FAILED {error}", file=sys.stderr)
        driver.quit()
        return 1
    driver.quit()
    print("walkthrough: every step held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
