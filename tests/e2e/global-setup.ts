// Placeholder until the browser-app work lands: builds and serves dist/ for the e2e project.
export default async function setup() {}
