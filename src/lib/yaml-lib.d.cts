declare function yaml(): typeof import('yaml');
export = yaml;
