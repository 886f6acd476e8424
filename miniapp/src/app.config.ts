/**
 * Main package: only what a first visit needs (home, sign-in, profile). Tickets, surveys and the knowledge base
 * are subpackages, loaded on first use, so the weapp main package stays far below the 2 MB limit.
 */
export default defineAppConfig({
  pages: ['pages/home/index', 'pages/sign-in/index', 'pages/profile/index'],
  subPackages: [
    { root: 'tickets', pages: ['list/index', 'new/index', 'detail/index'] },
    { root: 'survey', pages: ['answer/index'] },
    { root: 'knowledge', pages: ['search/index', 'article/index'] },
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: '客户服务',
    navigationBarTextStyle: 'black',
  },
});
