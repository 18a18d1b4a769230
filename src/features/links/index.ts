import { ContentLink } from './content-link.entity.js';

export { ContentLink };
