// Integration specs build real images and run real nx; jest's testTimeout is global-only, so set it here.
jest.setTimeout(10 * 60 * 1000);

// Nx runs each graph plugin (its own three and Stagecraft) in a worker process of its own by default: four
// Node start-ups in every nx command, 1 to 3 s each of the hundreds of commands these specs run on 2 cores.
// The specs load them in-process; those that prove what users get (the e2e specs and the plugin's
// inference errors) ask for the isolated workers again with ISOLATED_PLUGINS (packages/nx/testing/workspace.ts).
process.env.NX_ISOLATE_PLUGINS ??= 'false';
