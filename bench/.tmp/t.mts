import { bestSentence } from '/work/main/src/core/search/best-sentence.ts';
const content = 'We learn robot manipulation policies from videos of human hands by predicting masked hand poses, and the policies transfer to a real robot arm.';
const note = 'Robot videos of the learned policies are best viewed at https://example.org/robot-videos/index.html.';
const abs = `${content} ${note} Code is available at https://github.com/example/hands.`;
console.log('NEW:', bestSentence('robot videos of learned policies', abs, 'Manipulation Policies Learned from Videos of Human Hands').sentence);
