// One connection to the server's event stream per page, shared by the page's
// scripts (a module is evaluated once per page): browsers allow only six
// connections to a server, and the page's own fetches need them.
export const serverEvents = new EventSource('/api/events');
