// hostds(1), generated from `hostds --help` so that the page lists exactly the options and
// commands of the packaged build (Debian policy §12.1: every program in /usr/bin has a man page).

/** Escapes text for roff: backslashes, a leading dot or quote, and hyphens that start an option. */
function roff(text) {
  return text
    .replaceAll('\\', '\\e')
    .replace(/(^|[\s([|/])(-+)/g, (_, before, dashes) => before + dashes.replaceAll('-', '\\-'))
    .replace(/^([.'])/, '\\&$1');
}

/** An option or command term: every hyphen is a minus sign. */
const term = (text) => text.replaceAll('\\', '\\e').replaceAll('-', '\\-');

/** `Options:` / `Commands:` sections of commander's help: "  term   description" rows, wrapped rows joined. */
export function parseHelpSections(help) {
  const sections = {};
  let current;
  for (const line of help.split('\n')) {
    const head = /^(\w[\w ]*):\s*$/.exec(line);
    if (head) { current = sections[head[1]] = []; continue; }
    if (current === undefined || line.trim() === '') continue;
    const row = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (row) current.push({ term: row[1].trim(), text: (row[2] ?? '').trim() });
    else if (current.length > 0) current[current.length - 1].text += ` ${line.trim()}`;
  }
  return sections;
}

const FILES = [
  ['/etc/hostds/config.yaml', 'agent settings; every key is optional and documented in the file'],
  ['/etc/hostds/manifests.d/*.yaml', 'DaemonSet manifests (apps/v1), several documents per file allowed'],
  ['/etc/hostds/node.yaml', 'this host\'s labels, taints and unschedulable flag, written by hostds label, taint and cordon'],
  ['/var/lib/hostds/', 'agent state: pods, processes, revisions, events'],
  ['/var/log/hostds/pods/', 'daemon stdout and stderr, rotated by the agent'],
  ['/run/hostds/hostds.sock', 'the running agent\'s control API'],
];

/** The page as roff source; `date` is YYYY-MM-DD. */
export function renderManPage({ help, version, date, summary }) {
  const sections = parseHelpSections(help);
  const rows = (items) => items.flatMap((i) => ['.TP', `.B ${term(i.term)}`, roff(i.text)]);
  return [
    `.TH HOSTDS 1 "${date}" "hostds ${version}" "User Commands"`,
    '.SH NAME',
    `hostds \\- ${roff(summary)}`,
    '.SH SYNOPSIS',
    '.B hostds',
    '[\\fIoptions\\fR] \\fIcommand\\fR [\\fIargs\\fR...]',
    '.SH DESCRIPTION',
    'One agent per host',
    '.RB ( "hostds agent" ,',
    'run by',
    '.BR hostds.service )',
    'runs, supervises and updates local daemons from Kubernetes DaemonSet YAML:',
    'node selectors, taints and tolerations, rolling updates, probes and restart backoff',
    'as in Kubernetes. The other commands read and change the same files, like kubectl.',
    'Daemons keep running when the agent stops or is upgraded; a new agent adopts them.',
    '.SH OPTIONS',
    ...rows(sections['Options'] ?? []),
    '.SH COMMANDS',
    ...rows(sections['Commands'] ?? []),
    '.PP',
    '.B hostds help',
    '.I command',
    'shows the options of a command.',
    '.SH ENVIRONMENT',
    '.TP', '.B HOSTDS_ROOT', 'prefix for every path, like \\fB\\-\\-root\\fR.',
    '.TP', '.B HOSTDS_LOG_LEVEL', 'level of the agent\'s log (default info).',
    '.SH FILES',
    ...FILES.flatMap(([path, text]) => ['.TP', `.I ${term(path)}`, roff(text)]),
    '.SH SEE ALSO',
    '.BR systemctl (1),',
    '.BR journalctl (1),',
    '.I /usr/share/doc/hostds/',
    '',
  ].join('\n');
}
