// Taro's preset compiles TSX for every platform; webpack5 is the runner installed here.
module.exports = {
  presets: [['taro', { framework: 'react', ts: true, compiler: 'webpack5' }]],
};
