import type { StageFile } from '../src/stage/types';

/**
 * OpenBMC's 25 unit-test packages (shared/seeds/001, after the refactor), as
 * stage.json documents with local sources. Names follow OpenBMC's own stage
 * naming: '/' becomes '-', lowercased. Two lines of pldm's depends fall between
 * the seed's diff hunks; they are phosphor-dbus-interfaces and phosphor-logging.
 */
const PREFIX = '/usr/local';

interface Package {
  seedName: string;
  depends?: string[];
  build: NonNullable<StageFile['build']>;
}

const packages: Package[] = [
  { seedName: 'boost', build: { type: 'custom', steps: [`./bootstrap.sh --prefix=${PREFIX} --with-libraries=context,coroutine`, './b2', `./b2 install --prefix=${PREFIX}`] } },
  { seedName: 'USCiLab/cereal', build: { type: 'custom', steps: [`cp -a include/cereal/ ${PREFIX}/include/`] } },
  { seedName: 'catchorg/Catch2', build: { type: 'cmake', configFlags: ['-DBUILD_TESTING=OFF', '-DCATCH_INSTALL_DOCS=OFF'] } },
  { seedName: 'CLIUtils/CLI11', build: { type: 'cmake', configFlags: ['-DBUILD_TESTING=OFF', '-DCLI11_BUILD_DOCS=OFF', '-DCLI11_BUILD_EXAMPLES=OFF'] } },
  { seedName: 'fmtlib/fmt', build: { type: 'cmake', configFlags: ['-DFMT_DOC=OFF', '-DFMT_TEST=OFF'] } },
  { seedName: 'Naios/function2', build: { type: 'custom', steps: [`mkdir ${PREFIX}/include/function2`, `cp include/function2/function2.hpp ${PREFIX}/include/function2/`] } },
  { seedName: 'google/googletest', build: { type: 'cmake', configEnv: ['CXXFLAGS=-std=c++17'], configFlags: ['-DTHREADS_PREFER_PTHREAD_FLAG=ON'] } },
  { seedName: 'nlohmann/json', build: { type: 'custom', steps: [`mkdir ${PREFIX}/include/nlohmann`, `cp single_include/nlohmann/json.hpp ${PREFIX}/include/nlohmann`, `ln -s ${PREFIX}/include/nlohmann/json.hpp ${PREFIX}/include/json.hpp`] } },
  { seedName: 'linux-test-project/lcov', build: { type: 'make' } },
  { seedName: 'openbmc/linux', build: { type: 'custom', steps: ['make defconfig', `make INSTALL_HDR_PATH=${PREFIX} headers_install`] } },
  { seedName: 'LibVNC/libvncserver', build: { type: 'cmake' } },
  { seedName: 'martinmoene/span-lite', build: { type: 'cmake', configFlags: ['-DSPAN_LITE_OPT_BUILD_TESTS=OFF'] } },
  { seedName: 'leethomason/tinyxml2', build: { type: 'cmake' } },
  { seedName: 'CPPAlliance/url', build: { type: 'cmake', configFlags: ['-DBOOST_URL_BUILD_EXAMPLES=OFF', '-DBOOST_URL_BUILD_TESTS=OFF', '-DBOOST_URL_STANDALONE=ON'] } },
  { seedName: 'tristanpenman/valijson', build: { type: 'cmake', configFlags: ['-Dvalijson_BUILD_TESTS=0', '-Dvalijson_INSTALL_HEADERS=1'] } },
  { seedName: 'nlohmann/fifo_map', build: { type: 'custom', steps: [`mkdir ${PREFIX}/include/fifo_map`, `cp src/fifo_map.hpp ${PREFIX}/include/fifo_map/`] } },
  { seedName: 'open-power/pdbg', build: { type: 'autoconf' } },
  { seedName: 'openbmc/gpioplus', depends: ['openbmc/stdplus'], build: { type: 'meson', configFlags: ['-Dexamples=false', '-Dtests=disabled'] } },
  { seedName: 'openbmc/phosphor-dbus-interfaces', depends: ['openbmc/sdbusplus'], build: { type: 'meson', configFlags: ['-Ddata_com_ibm=true', '-Ddata_org_open_power=true'] } },
  {
    seedName: 'openbmc/phosphor-logging',
    depends: ['USCiLab/cereal', 'nlohmann/fifo_map', 'openbmc/phosphor-dbus-interfaces', 'openbmc/sdbusplus', 'openbmc/sdeventplus'],
    build: { type: 'autoconf', configFlags: ['--enable-metadata-processing', `YAML_DIR=${PREFIX}/share/phosphor-dbus-yaml/yaml`] },
  },
  { seedName: 'openbmc/phosphor-objmgr', depends: ['boost', 'leethomason/tinyxml2', 'openbmc/phosphor-logging', 'openbmc/sdbusplus'], build: { type: 'autoconf' } },
  {
    seedName: 'openbmc/pldm',
    depends: ['CLIUtils/CLI11', 'boost', 'nlohmann/json', 'openbmc/phosphor-dbus-interfaces', 'openbmc/phosphor-logging', 'openbmc/sdbusplus', 'openbmc/sdeventplus'],
    build: { type: 'meson', configFlags: ['-Dlibpldm-only=enabled', '-Doem-ibm=enabled', '-Dtests=disabled'] },
  },
  {
    seedName: 'openbmc/sdbusplus',
    build: { type: 'meson', postDownload: ['cd tools', `./setup.py install --root=/ --prefix=${PREFIX}`, 'cd ..'], configFlags: ['-Dexamples=disabled', '-Dtests=disabled'] },
  },
  { seedName: 'openbmc/sdeventplus', depends: ['Naios/function2', 'openbmc/stdplus'], build: { type: 'meson', configFlags: ['-Dexamples=false', '-Dtests=disabled'] } },
  { seedName: 'openbmc/stdplus', depends: ['fmtlib/fmt', 'martinmoene/span-lite'], build: { type: 'meson', configFlags: ['-Dexamples=false', '-Dtests=disabled'] } },
];

/** OpenBMC's stage naming: '/' becomes '-', lowercased. */
export function openbmcStageName(seedName: string): string {
  return seedName.replace('/', '-').toLowerCase();
}

export interface CatalogStage {
  dir: string;
  stageJson: StageFile;
}

/** The 25 package stages, in the seed's order. */
export function openbmcPackages(): CatalogStage[] {
  return packages.map((pkg) => {
    const name = openbmcStageName(pkg.seedName);
    const stageJson: StageFile = { name, build: pkg.build };
    if (pkg.depends) stageJson.depends = pkg.depends.map(openbmcStageName);
    return { dir: `packages/${name}`, stageJson };
  });
}

/** The seed's own edges: [dependent, upstream] stage names. */
export function openbmcSeedEdges(): Array<[string, string]> {
  return packages.flatMap((pkg) => (pkg.depends ?? []).map((dep): [string, string] => [openbmcStageName(pkg.seedName), openbmcStageName(dep)]));
}
