/**
 * axe-core in a page: injects node_modules/axe-core/axe.min.js and returns the serious and
 * critical violations (rule id, impact, a few target selectors) — what the checks count.
 */
import type { Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

export async function runAxe(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the DevTools protocol, not as a <script> tag: the app's CSP refuses inline
  // scripts (which is what addScriptTag inserts), and the test must not weaken the policy it checks.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}
