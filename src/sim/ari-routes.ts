// The ARI resources of the simulator: each route turns an HTTP request into one world
// command and the outcome into Asterisk's answer (codes and texts from the captures).
// Each resource's routes register themselves with the router when their module loads.
import './ari-routes-system.js';
import './ari-routes-channels.js';
import './ari-routes-bridges.js';
import './ari-routes-storage.js';

export { dispatch, type RouteContext } from './ari-router.js';
