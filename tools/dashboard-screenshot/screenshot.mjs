// Opens the Aspire dashboard's trace view for one job and saves a screenshot.
//   node screenshot.mjs <dashboard url> <trace id> <output.png>
import { chromium } from "playwright-core";

const [dashboard, traceId, output] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${dashboard}/traces/detail/${traceId}`, { waitUntil: "networkidle" });
  // The detail view lists the trace's spans; wait until the worker's span is drawn.
  await page.getByText("job.process", { exact: false }).first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: output, fullPage: true });
  console.log(`saved ${output}`);
} finally {
  await browser.close();
}
