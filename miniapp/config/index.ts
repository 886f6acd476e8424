import { defineConfig, type UserConfigExport } from '@tarojs/cli';

/**
 * One config for weapp, lark and h5. The API base is a build-time constant: empty on H5 (same origin as the
 * server that serves the build), an absolute https URL for the mini-programs (CRM_API_BASE at build time).
 */
export default defineConfig<'webpack5'>(async () => {
  const env = process.env.TARO_ENV ?? 'h5';
  const config: UserConfigExport<'webpack5'> = {
    projectName: 'crm-miniapp',
    date: '2026-11-22',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot: `dist/${env}`,
    plugins: ['@tarojs/plugin-platform-lark'],
    defineConstants: {
      CRM_API_BASE: JSON.stringify(process.env.CRM_API_BASE ?? ''),
    },
    copy: { patterns: [], options: {} },
    framework: 'react',
    compiler: 'webpack5',
    cache: { enable: false },
    logger: { quiet: true, stats: false },
    mini: {
      // The Lark templates otherwise call an `xs` helper that is never imported.
      experimental: { useXsForTemplate: false },
      postcss: {
        pxtransform: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
    },
    h5: {
      publicPath: '/',
      staticDirectory: 'static',
      // Browser history: invite links read /pages/sign-in/index?code=…; the server falls back to index.html.
      router: { mode: 'browser' },
      // Taro splits only initial chunks on H5, so every page chunk repeats ~80 KB of shared runtime and
      // components; one shared async chunk holds them instead (loaded with the first page).
      webpackChain(chain) {
        const current = (chain.optimization.get('splitChunks') ?? {}) as { cacheGroups?: Record<string, unknown> };
        chain.optimization.splitChunks({
          ...current,
          cacheGroups: {
            ...current.cacheGroups,
            pagesCommon: { name: 'pages-common', chunks: 'async', minChunks: 2, priority: 200, reuseExistingChunk: true, enforce: true },
          },
        });
      },
      output: { filename: 'js/[name].[contenthash:8].js', chunkFilename: 'js/[name].[contenthash:8].js' },
      miniCssExtractPluginOption: { ignoreOrder: true, filename: 'css/[name].[contenthash:8].css', chunkFilename: 'css/[name].[contenthash:8].css' },
      postcss: {
        autoprefixer: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
    },
  };
  return config;
});
