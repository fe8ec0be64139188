import type { AdapterFactory } from '../types.js';
import { MysqlAdapter } from './mysql-adapter.js';

/** MySQL and MariaDB (ERPNext, Magento, Dolibarr, WooCommerce back offices), through mysql2. */
export const mysqlFactory: AdapterFactory = {
  schemes: ['mysql', 'mariadb'],
  create: (conn, ctx) => new MysqlAdapter(conn, ctx),
};
