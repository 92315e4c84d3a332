// Integration specs build real images and run real nx; jest's testTimeout is global-only, so set it here.
jest.setTimeout(10 * 60 * 1000);
