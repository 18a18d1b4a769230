// Guards npm scripts against running on an older system Node.
// The project pins Node 24 through the `node` dev dependency, which npm puts
// first on the PATH of every script. If its install script was skipped
// (`--ignore-scripts`) the scripts would silently fall back to the system Node.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `contentgraph needs Node 24 but this script runs on Node ${process.version}.\n` +
      'Run `npm install` (without --ignore-scripts) so the pinned Node 24 from the\n' +
      '`node` dev dependency is installed, then start the script through npm (`npm start`, `npm test`).',
  );
  process.exit(1);
}
