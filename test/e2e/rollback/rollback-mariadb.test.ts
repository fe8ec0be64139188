// The rollback cases on a MariaDB target (issue 14): replay into it, plan, apply, resume after a
// SIGKILL, conflicts and irreversible events, row for row, through the real binary.
import { rollbackSuite } from './suite.js';

rollbackSuite('mariadb');
